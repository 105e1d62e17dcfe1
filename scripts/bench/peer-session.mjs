// Logs in to the comparison peer (scripts/bench/peer.mjs, oidc-provider) for the benchmark driver, with Node's
// global fetch (redirect: "manual") and a small cookie jar, the way a browser would:
//   - peerSession(baseUrl): one full authorization code flow for client `demo` (prompt=consent): the
//     devInteractions login form (as spoon), then its consent form; returns the session cookie and the code;
//   - peerSilentCode(baseUrl, cookie): a further authorization request reusing that session and grant (no login,
//     no consent); returns the code and how many HTTP requests it took.
export const CLIENT_ID = "demo";
export const REDIRECT_URI = "http://localhost:3000/callback";
export const SCOPE = "openid profile email offline_access";
const USERNAME = "spoon";
const PASSWORD = "spoon";

/** Cookies by name and path; Domain is ignored (everything goes to the one peer). */
class CookieJar {
  #cookies = new Map();

  /** Seeds the jar from a Cookie header value (path "/"). */
  static from(header) {
    const jar = new CookieJar();
    for (const part of (header ?? "").split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0)
        jar.#cookies.set(`${part.slice(0, eq).trim()};/`, {
          name: part.slice(0, eq).trim(),
          value: part.slice(eq + 1).trim(),
          path: "/",
        });
    }
    return jar;
  }

  /** Takes in a response's Set-Cookie headers (deletions included). */
  update(response, url) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = new URL(url).pathname.replace(/\/[^/]*$/, "") || "/";
      let expired = value === "";
      for (const attribute of attributes) {
        const [key, ...rest] = attribute.split("=");
        const attrValue = rest.join("=").trim();
        switch (key.trim().toLowerCase()) {
          case "path":
            path = attrValue || "/";
            break;
          case "max-age":
            if (Number(attrValue) <= 0) expired = true;
            break;
          case "expires":
            if (Date.parse(attrValue) <= Date.now()) expired = true;
            break;
        }
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  /** The Cookie header value for a request to `url` (longer paths first, as browsers send them). */
  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter(
        ({ path }) => path === "/" || pathname === path || pathname.startsWith(path.endsWith("/") ? path : `${path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length)
      .map(({ name, value }) => `${name}=${value}`)
      .join("; ");
  }
}

function authorizationUrl(baseUrl, extra = {}) {
  const url = new URL("/auth", baseUrl);
  const params = {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope: SCOPE,
    nonce: "n",
    state: "s",
    ...extra,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}

/**
 * Sends one request and follows the peer's own redirects (GET) until a page (200), or a redirect to the client's
 * callback, whose code is returned. `counter.requests` counts the HTTP requests made.
 */
async function follow(baseUrl, jar, first, counter) {
  const origin = new URL(baseUrl).origin;
  let url = first.url;
  let init = first.init ?? { method: "GET" };
  for (let hops = 0; hops < 20; hops++) {
    const headers = { ...init.headers };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    counter.requests++;
    jar.update(response, url);
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer();
      const location = new URL(response.headers.get("location"), url);
      if (location.href.startsWith(`${REDIRECT_URI}?`)) {
        const error = location.searchParams.get("error");
        if (error)
          throw new Error(`authorization failed: ${error} ${location.searchParams.get("error_description") ?? ""}`);
        const code = location.searchParams.get("code");
        if (!code) throw new Error(`redirect to the callback without a code: ${location.href}`);
        return { code };
      }
      if (location.origin !== origin) throw new Error(`unexpected redirect off the peer: ${location.href}`);
      url = location.href;
      init = { method: "GET" };
      continue;
    }
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${init.method} ${url}: ${response.status} ${body.slice(0, 300)}`);
    return { page: body, url };
  }
  throw new Error("too many redirects");
}

const decodeEntities = (text) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(Number(lower.slice(1)));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower];
  });

const attribute = (tag, name) => {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return match ? decodeEntities(match[1] ?? match[2] ?? match[3]) : undefined;
};

/** The page's POST form: its action (absolute) and its fields, text and password ones filled by `fill`. */
function readForm(page, pageUrl, fill) {
  const form = /<form\b[^>]*\bmethod\s*=\s*["']?post["']?[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!form) throw new Error(`no POST form at ${pageUrl}: ${page.slice(0, 300)}`);
  const action = new URL(attribute(form[0].slice(0, form[0].indexOf(">") + 1), "action") ?? pageUrl, pageUrl).href;
  const fields = new URLSearchParams();
  for (const [input] of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, "name");
    if (!name) continue;
    const type = (attribute(input, "type") ?? "text").toLowerCase();
    if (type === "text" || type === "password" || type === "email") fields.set(name, fill(name, type));
    else fields.set(name, attribute(input, "value") ?? "");
  }
  return { action, fields };
}

function submit(form) {
  return {
    url: form.action,
    init: {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.fields.toString(),
    },
  };
}

/**
 * One complete code flow as spoon with prompt=consent (login form, consent form): the Cookie header value for the
 * peer's session, the code, and the HTTP requests it took. Each call starts a new session, hence a new grant.
 */
export async function peerSession(baseUrl) {
  const jar = new CookieJar();
  const counter = { requests: 0 };
  let step = await follow(baseUrl, jar, { url: authorizationUrl(baseUrl, { prompt: "consent" }) }, counter);
  for (let pages = 0; !step.code; pages++) {
    if (pages >= 4) throw new Error(`still no code after ${pages} pages`);
    const form = readForm(step.page, step.url, (name, type) => {
      if (type === "password") return PASSWORD;
      if (name === "login" || name === "username") return USERNAME;
      throw new Error(`unknown form field ${name}`);
    });
    step = await follow(baseUrl, jar, submit(form), counter);
  }
  return { cookie: jar.header(new URL("/auth", baseUrl).href), code: step.code, requests: counter.requests };
}

/**
 * A silent authorization request with the session from peerSession (no prompt): the code, the HTTP requests it
 * took, and the Cookie header value afterwards (the same unless the peer changed a cookie).
 */
export async function peerSilentCode(baseUrl, cookie) {
  const jar = CookieJar.from(cookie);
  const counter = { requests: 0 };
  const step = await follow(baseUrl, jar, { url: authorizationUrl(baseUrl) }, counter);
  if (!step.code) throw new Error(`the silent authorization request needed a page: ${step.url}`);
  return { code: step.code, requests: counter.requests, cookie: jar.header(new URL("/auth", baseUrl).href) };
}
