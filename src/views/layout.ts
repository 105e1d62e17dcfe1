// The HTML shell for every page, with the security headers every page carries.
// hono/html escapes every interpolated value, so reflected input is always escaped.
import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppEnv } from "../env";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;margin-right:.5rem}.error{color:#b42318}ul{padding-left:1.2rem}`;

export interface PageOptions {
  status?: 200 | 400 | 401 | 403 | 404 | 500 | 503;
  /** A nonce allowing one inline script (the form_post auto-submit). */
  scriptNonce?: string;
  lang?: string;
}

export function renderPage(
  c: Context<AppEnv>,
  title: string,
  body: Html,
  options: PageOptions = {},
): Response | Promise<Response> {
  const scriptSrc = options.scriptNonce ? `script-src 'nonce-${options.scriptNonce}'` : "script-src 'none'";
  c.header(
    "Content-Security-Policy",
    [
      "default-src 'none'",
      "style-src 'unsafe-inline'",
      "img-src 'self'",
      scriptSrc,
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  );
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  return c.html(
    html`<!doctype html>
<html lang="${options.lang ?? "en"}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body>
</html>`,
    options.status ?? 200,
  );
}
