// The consent page. Button names are a contract outside tools rely on (README, demo data): decision=allow /
// decision=deny.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { renderPage } from "./layout";

export interface ConsentView {
  interaction: string;
  csrf: string;
  clientName: string;
  /** Scopes, and `claim:<name>` for claims asked for by name. */
  items: string[];
}

export function renderConsent(c: Context<AppEnv>, view: ConsentView) {
  return renderPage(
    c,
    "Allow access?",
    html`<h1>${view.clientName} asks for access</h1>
<p>It will be able to use:</p>
<ul>${view.items.map((item) => html`<li>${itemLabel(item)}</li>`)}</ul>
<form method="post" action="/consent">
<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** A scope by its name; a single claim (`claim:<name>`, from the claims parameter) in words. */
function itemLabel(item: string): string {
  return item.startsWith("claim:") ? `your ${item.slice(6).replace(/_/g, " ")}` : item;
}
