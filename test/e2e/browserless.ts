// A browser stand-in for the end-to-end tier: a small cookie jar and an HTML form driver over fetch.
// It follows the provider's redirects by hand, signs in on the login page, allows on the consent page,
// and stops at the first redirect (or form_post form) aimed at the client's redirect_uri origin, which it
// never fetches. Not a general browser: just enough for the login and consent pages.

/** Origins of the demo clients' redirect URIs (README). Nothing listens there. */
export const CLIENT_ORIGINS: readonly string[] = ["http://localhost:3000", "http://127.0.0.1:3000"];

// ------------------------------------------------------------------------------------------------
// Cookies (RFC 6265, reduced: host-only or domain cookies, path prefix match, expiry, Secure on loopback)

interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Milliseconds since the epoch; undefined for a session cookie. */
  expires?: number;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "[::1]";
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith("/") || p.lastIndexOf("/") === 0) return "/";
  return p.slice(0, p.lastIndexOf("/"));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}

function domainMatches(host: string, cookie: StoredCookie): boolean {
  if (cookie.hostOnly) return host === cookie.domain;
  return host === cookie.domain || host.endsWith(`.${cookie.domain}`);
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Store every Set-Cookie of a response received from `url`. */
  store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) this.storeOne(url, line);
  }

  private storeOne(url: URL, line: string): void {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const host = url.hostname.toLowerCase();
    const cookie: StoredCookie = { name, value, domain: host, hostOnly: true, path: defaultPath(url), secure: false };
    let maxAge: number | undefined;
    for (const attribute of attributes) {
      const i = attribute.indexOf("=");
      const key = (i < 0 ? attribute : attribute.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? "" : attribute.slice(i + 1).trim();
      if (key === "path" && val.startsWith("/")) cookie.path = val;
      else if (key === "domain" && val !== "") {
        const domain = val.replace(/^\./, "").toLowerCase();
        if (host !== domain && !host.endsWith(`.${domain}`)) return; // a foreign domain: reject
        cookie.domain = domain;
        cookie.hostOnly = false;
      } else if (key === "secure") cookie.secure = true;
      else if (key === "max-age" && /^-?\d+$/.test(val)) maxAge = Number(val);
      else if (key === "expires") {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) cookie.expires = t;
      }
    }
    if (maxAge !== undefined) cookie.expires = Date.now() + maxAge * 1000; // Max-Age wins over Expires
    // Browsers accept Secure cookies from loopback origins (potentially trustworthy), not from other http.
    if (cookie.secure && url.protocol !== "https:" && !isLoopback(host)) return;
    this.cookies = this.cookies.filter(
      (c) => !(c.name === name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
  }

  /** The Cookie header value to send to `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    const host = url.hostname.toLowerCase();
    const matching = this.cookies
      .filter((c) => domainMatches(host, c) && pathMatches(url.pathname, c.path))
      .filter((c) => !c.secure || url.protocol === "https:" || isLoopback(host))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join("; ");
  }

  /** Names of the cookies held (for assertions and diagnostics). */
  names(): string[] {
    return this.cookies.map((c) => c.name);
  }

  clear(): void {
    this.cookies = [];
  }
}

// ------------------------------------------------------------------------------------------------
// HTML: just forms, inputs and buttons

const ENTITIES: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">", nbsp: "\u00a0" };

export function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === "#") {
      const code =
        entity[1] === "x" || entity[1] === "X" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** Attributes of one start tag's inside (`<input type="hidden" name=x value='y'>`), names lower-cased. */
export function parseAttributes(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const inner = tag.replace(/^<\s*[a-z0-9-]+/i, "").replace(/\/?>$/, "");
  const re = /([^\s"'=<>/`]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const m of inner.matchAll(re)) {
    const name = (m[1] ?? "").toLowerCase();
    if (name === "" || attributes.has(name)) continue; // the first occurrence wins, as in HTML
    attributes.set(name, unescapeHtml(m[2] ?? m[3] ?? m[4] ?? ""));
  }
  return attributes;
}

export interface FormControl {
  tag: "input" | "button" | "textarea" | "select";
  type: string;
  name: string;
  value: string;
  checked: boolean;
}

export interface HtmlForm {
  /** The action resolved against the page URL (the page URL itself when the action is absent or empty). */
  action: URL;
  method: "GET" | "POST";
  controls: FormControl[];
}

/** Remove comments, scripts and styles so their text cannot look like markup. */
function stripInert(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<script\b[\s\S]*?<\/script\s*>/gi, "")
    .replace(/<style\b[\s\S]*?<\/style\s*>/gi, "");
}

export function parseForms(html: string, pageUrl: URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  const clean = stripInert(html);
  for (const m of clean.matchAll(/(<form\b[^>]*>)([\s\S]*?)(?:<\/form\s*>|$)/gi)) {
    const attributes = parseAttributes(m[1] ?? "");
    const body = m[2] ?? "";
    const actionAttr = attributes.get("action") ?? "";
    const action = new URL(actionAttr.trim() === "" ? pageUrl.href : actionAttr.trim(), pageUrl);
    const method = (attributes.get("method") ?? "get").toUpperCase() === "POST" ? "POST" : "GET";
    const controls: FormControl[] = [];
    const controlRe = /<(input|button|select)\b[^>]*>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi;
    for (const c of body.matchAll(controlRe)) {
      const whole = c[0];
      const tag = (c[1] ?? "textarea").toLowerCase() as FormControl["tag"];
      const a = parseAttributes(tag === "textarea" ? `<textarea${c[2] ?? ""}>` : whole);
      const name = a.get("name");
      if (name === undefined || name === "" || a.has("disabled")) continue;
      let value = a.get("value") ?? "";
      if (tag === "textarea") value = unescapeHtml(c[3] ?? "");
      const defaultType = tag === "button" ? "submit" : tag === "input" ? "text" : tag;
      controls.push({
        tag,
        type: (a.get("type") ?? defaultType).toLowerCase(),
        name,
        value,
        checked: a.has("checked"),
      });
    }
    forms.push({ action, method, controls });
  }
  return forms;
}

/** The fields a browser would send for `form`, with `submitter` (a button's name/value) added if given. */
export function formFields(form: HtmlForm, submitter?: { name: string; value: string }): URLSearchParams {
  const fields = new URLSearchParams();
  for (const c of form.controls) {
    if (c.tag === "button" || ["submit", "button", "reset", "image", "file"].includes(c.type)) continue;
    if ((c.type === "checkbox" || c.type === "radio") && !c.checked) continue;
    if (c.tag === "select") continue; // none on our pages
    fields.append(c.name, c.value);
  }
  if (submitter) fields.append(submitter.name, submitter.value);
  return fields;
}

// ------------------------------------------------------------------------------------------------
// The driver

export interface Step {
  method: string;
  url: string;
  status: number;
  /** What the driver did with this response. */
  action: "redirect" | "login" | "consent" | "form_post" | "callback";
}

export type DriveResult =
  | {
      /** The provider redirected to the redirect_uri (query or fragment response mode). */
      kind: "redirect";
      url: URL;
      steps: Step[];
      /** Forms the driver submitted on the way ("login", "consent"). */
      forms: Array<"login" | "consent">;
    }
  | {
      /** The provider answered with a form_post page (OAuth 2.0 Form Post Response Mode). */
      kind: "form_post";
      url: URL;
      fields: Record<string, string>;
      steps: Step[];
      forms: Array<"login" | "consent">;
    };

export class DriveError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly url: string,
    readonly body: string,
    readonly steps: Step[],
  ) {
    super(
      `${message}\n  at ${url} (HTTP ${status})\n  steps:\n${steps
        .map((s) => `    ${s.method} ${s.url} -> ${s.status} (${s.action})`)
        .join("\n")}\n  body: ${body.slice(0, 1500)}`,
    );
    this.name = "DriveError";
  }
}

export interface DriveOptions {
  jar?: CookieJar;
  username?: string;
  password?: string;
  /** Consent decision to submit when a consent page appears. */
  decision?: "allow" | "deny";
  clientOrigins?: readonly string[];
  maxSteps?: number;
}

/**
 * Follow an authorization request from `start` until the provider sends the browser to the client.
 * Throws DriveError on an error status, an unknown page, or a redirect loop.
 */
export async function drive(start: URL | string, options: DriveOptions = {}): Promise<DriveResult> {
  const jar = options.jar ?? new CookieJar();
  const origins = options.clientOrigins ?? CLIENT_ORIGINS;
  const maxSteps = options.maxSteps ?? 20;
  const steps: Step[] = [];
  const forms: Array<"login" | "consent"> = [];

  let url = new URL(start);
  let method = "GET";
  let body: URLSearchParams | undefined;
  /** Origin of the page whose form produced the current request (sent as Origin, as browsers do). */
  let formOrigin: string | undefined;

  for (let i = 0; i < maxSteps; i++) {
    const headers: Record<string, string> = { accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" };
    const cookie = jar.header(url);
    if (cookie !== undefined) headers["cookie"] = cookie;
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    // What a browser sends with a form POST; CSRF checks may look at it.
    if (method === "POST" && formOrigin !== undefined) headers["origin"] = formOrigin;
    const res = await fetch(url, { method, headers, body, redirect: "manual" });
    jar.store(url, res.headers);

    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (location === null) throw new DriveError("redirect without Location", res.status, url.href, "", steps);
      const next = new URL(location, url);
      if (origins.includes(next.origin)) {
        steps.push({ method, url: url.href, status: res.status, action: "callback" });
        return { kind: "redirect", url: next, steps, forms };
      }
      steps.push({ method, url: url.href, status: res.status, action: "redirect" });
      // 307/308 repeat the request as it was; 301/302/303 become GET (as browsers do for POST).
      if (res.status !== 307 && res.status !== 308) {
        method = "GET";
        body = undefined;
        formOrigin = undefined;
      }
      url = next;
      continue;
    }

    const text = await res.text();
    if (res.status !== 200) throw new DriveError("unexpected status", res.status, url.href, text, steps);
    const pageForms = parseForms(text, url);

    const post = pageForms.find((f) => origins.includes(f.action.origin));
    if (post) {
      steps.push({ method, url: url.href, status: res.status, action: "form_post" });
      return { kind: "form_post", url: post.action, fields: Object.fromEntries(formFields(post)), steps, forms };
    }

    const login = pageForms.find(
      (f) => f.controls.some((c) => c.name === "username") && f.controls.some((c) => c.name === "password"),
    );
    if (login) {
      if (options.username === undefined || options.password === undefined) {
        throw new DriveError("login page shown, but no credentials were given", res.status, url.href, text, steps);
      }
      const fields = formFields(login);
      fields.set("username", options.username);
      fields.set("password", options.password);
      const button = login.controls.find((c) => c.tag === "button" || c.type === "submit");
      if (button && button.name !== "username" && button.name !== "password") fields.append(button.name, button.value);
      steps.push({ method, url: url.href, status: res.status, action: "login" });
      forms.push("login");
      formOrigin = url.origin;
      ({ url, method, body } = submission(login, fields));
      continue;
    }

    const decision = options.decision ?? "allow";
    const consent = pageForms.find((f) =>
      f.controls.some((c) => c.tag === "button" && c.name === "decision" && c.value === decision),
    );
    if (consent) {
      steps.push({ method, url: url.href, status: res.status, action: "consent" });
      forms.push("consent");
      formOrigin = url.origin;
      ({ url, method, body } = submission(consent, formFields(consent, { name: "decision", value: decision })));
      continue;
    }

    throw new DriveError("a page with neither a login nor a consent form", res.status, url.href, text, steps);
  }
  throw new DriveError(`no callback after ${maxSteps} steps`, 0, url.href, "", steps);
}

function submission(form: HtmlForm, fields: URLSearchParams): { url: URL; method: string; body?: URLSearchParams } {
  if (form.method === "POST") return { url: form.action, method: "POST", body: fields };
  const url = new URL(form.action);
  url.search = fields.toString();
  return { url, method: "GET" };
}
