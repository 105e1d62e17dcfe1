// Signs in to our provider over HTTP as a browser would (login and consent forms, by the field names the README documents),
// for the benchmark's code flow with an existing session. Returns the session cookie and the first code.
const REDIRECT = "http://localhost:3000/callback";

export function ourAuthorizeUrl(issuer, scope) {
  const query = new URLSearchParams({
    client_id: "demo",
    redirect_uri: REDIRECT,
    response_type: "code",
    scope,
    state: "s",
    nonce: "n",
  });
  return `${issuer}/authorize?${query}`;
}

function hiddenFields(html) {
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1]] = m[2].replace(/&amp;/g, "&");
  return fields;
}

export async function ourSession(issuer, scope) {
  const jar = new Map();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const go = async (url, init = {}) => {
    const res = await fetch(new URL(url, issuer), {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers ?? {}), cookie: cookie() },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  };
  const post = (url, fields) =>
    go(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  let res = await go(ourAuthorizeUrl(issuer, scope));
  for (let step = 0; step < 8; step++) {
    const location = res.headers.get("location");
    if (location) {
      const url = new URL(location, issuer);
      if (url.origin !== new URL(issuer).origin) return { cookie: cookie(), code: url.searchParams.get("code") };
      res = await go(url);
      continue;
    }
    const html = await res.text();
    if (html.includes('name="password"'))
      res = await post("/login", { ...hiddenFields(html), username: "spoon", password: "spoon" });
    else if (html.includes('name="decision"'))
      res = await post("/consent", { ...hiddenFields(html), decision: "allow" });
    else throw new Error(`unexpected page (${res.status}): ${html.slice(0, 200)}`);
  }
  throw new Error("too many steps signing in");
}
