// Property-based fuzzing of every endpoint, inside workerd (fast-check): malformed, oversized, repeated, wrongly
// typed and wrongly encoded parameters, headers and bodies. Whatever comes in: never a 5xx, JSON errors in the
// RFC 6749 §5.2 shape with printable descriptions, and nothing from the request echoed unescaped into a page.
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { base64url } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { ISSUER } from "../helpers";

/** A marker the generators plant in values: it must never come back as raw markup. */
const MARKER = "<x-fuzz>";
const RFC_6749_DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

const PARAMS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "response_mode",
  "scope",
  "state",
  "nonce",
  "prompt",
  "max_age",
  "code_challenge",
  "code_challenge_method",
  "id_token_hint",
  "login_hint",
  "claims",
  "ui_locales",
  "request",
  "request_uri",
  "dpop_jkt",
  "grant_type",
  "code",
  "code_verifier",
  "refresh_token",
  "username",
  "password",
  "client_secret",
  "client_assertion",
  "client_assertion_type",
  "token",
  "token_type_hint",
  "resource",
  "access_token",
  "interaction",
  "csrf",
  "decision",
  "post_logout_redirect_uri",
  "logout",
  "acr_values",
  "step",
  "recovery_code",
  "passkey_response",
  "passkey_challenge",
  "passkey_capable",
  "action",
  "sid",
  "id",
  "name",
  "current_password",
  "new_password",
];

const ROUTES: { method: "GET" | "POST" | "PUT" | "DELETE"; path: string }[] = [
  { method: "GET", path: "/authorize" },
  { method: "POST", path: "/authorize" },
  { method: "GET", path: "/login" },
  { method: "POST", path: "/login" },
  { method: "GET", path: "/consent" },
  { method: "POST", path: "/consent" },
  { method: "GET", path: "/account" },
  { method: "POST", path: "/account" },
  { method: "GET", path: "/logout" },
  { method: "POST", path: "/logout" },
  { method: "POST", path: "/token" },
  { method: "POST", path: "/par" },
  { method: "GET", path: "/userinfo" },
  { method: "POST", path: "/userinfo" },
  { method: "POST", path: "/introspect" },
  { method: "POST", path: "/revoke" },
  { method: "POST", path: "/register" },
  { method: "GET", path: "/register/demo" },
  { method: "PUT", path: "/register/demo" },
  { method: "GET", path: "/admin/clients" },
  { method: "POST", path: "/admin/users" },
  { method: "GET", path: "/.well-known/openid-configuration" },
  { method: "GET", path: "/jwks" },
];

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("demo", "demo-secret", "openid", "code", "S256", "none", "authorization_code", "password", ""),
  fc.string({ maxLength: 20 }).map((s) => `${MARKER}${s}<script>alert(1)</script>`),
  fc.nat({ max: 5000 }).map((n) => "x".repeat(n)),
  fc.constant(`${"ab".repeat(32)}.${"A".repeat(43)}`),
  fc.constant("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
);

/** Parameters, some of them repeated (RFC 6749 §3.1 forbids that). */
const params = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 12 })), value), {
  maxLength: 8,
});

/** Header values are printable ASCII: anything else the runtime refuses before the Worker sees it. */
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
  fc.constant(`${MARKER}<script>`),
  fc.nat({ max: 5000 }).map((n) => "x".repeat(n)),
);

const authorization = fc.option(
  fc.oneof(
    fc.constant(`Basic ${btoa("demo:demo-secret")}`),
    headerValue.map((v) => `Basic ${v}`),
    headerValue.map((v) => `Bearer ${v}`),
    headerValue.map((v) => `DPoP ${v}`),
    fc.constant("Bearer dev-admin-token"),
    headerValue,
  ),
  { nil: undefined },
);

/** DPoP proofs (RFC 9449): garbage, two of them, and JWTs whose header or claims are wrong in some way. */
const dpopProof = fc.option(
  fc.oneof(
    headerValue,
    fc.constant("a.b.c, d.e.f"),
    fc
      .tuple(fc.jsonValue(), fc.jsonValue())
      .map(([header, claims]) => `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}.AAAA`),
    fc
      .record({ typ: fc.constantFrom("dpop+jwt", "JWT"), alg: fc.constantFrom("ES256", "none", "HS256", "RS256") })
      .map((header) => `${b64(JSON.stringify({ ...header, jwk: { kty: "EC", crv: "P-256" } }))}.e30.AAAA`),
  ),
  { nil: undefined },
);

const b64 = (text: string) => base64url.encode(text);

const contentType = fc.option(
  fc.constantFrom(
    "application/x-www-form-urlencoded",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded; charset=latin1",
  ),
  { nil: undefined },
);

const body = fc.oneof(
  params.map((p) => new URLSearchParams(p).toString()),
  fc.jsonValue().map((j) => JSON.stringify(j)),
  fc.uint8Array({ maxLength: 200 }),
  fc.constant(new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0x00])),
  fc.string({ maxLength: 200 }),
);

let tried = 0;
afterAll(() => {
  console.log(`fuzzing: ${tried} requests tried`);
});

async function send(
  route: (typeof ROUTES)[number],
  query: [string, string][],
  auth: string | undefined,
  type: string | undefined,
  payload: string | Uint8Array,
  dpop?: string,
): Promise<Response> {
  const url = new URL(`${ISSUER}${route.path}`);
  for (const [name, v] of query) url.searchParams.append(name, v);
  const headers = new Headers();
  if (auth !== undefined) headers.set("authorization", auth);
  if (type !== undefined) headers.set("content-type", type);
  if (dpop !== undefined) headers.set("dpop", dpop);
  tried++;
  return exports.default.fetch(url.toString(), {
    method: route.method,
    headers,
    redirect: "manual",
    ...(route.method === "GET" ? {} : { body: payload }),
  });
}

async function expectWellFormed(res: Response): Promise<void> {
  expect(res.status).toBeLessThan(500);
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  if (type.startsWith("application/json") && res.status >= 400) {
    const parsed: unknown = JSON.parse(text);
    expect(parsed).toMatchObject({ error: expect.stringMatching(/^[a-z_]+$/) as string });
    const description =
      typeof parsed === "object" && parsed !== null && "error_description" in parsed
        ? parsed.error_description
        : undefined;
    if (description !== undefined) expect(description).toMatch(RFC_6749_DESCRIPTION);
  }
  // Nothing planted in the request comes back as markup, in a page or anywhere else.
  expect(text).not.toContain(MARKER);
  expect(res.headers.get("location") ?? "").not.toContain(MARKER);
}

describe("fuzzing every endpoint (fast-check)", () => {
  it("never a 5xx, always the standard error shape, nothing reflected unescaped", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        params,
        authorization,
        contentType,
        body,
        dpopProof,
        async (route, query, auth, type, payload, dpop) => {
          await expectWellFormed(await send(route, query, auth, type, payload, dpop));
        },
      ),
      { numRuns: 250 },
    );
  }, 180_000);

  it("authorization requests close to valid ones, with one parameter bent", async () => {
    const valid: Record<string, string> = {
      client_id: "demo",
      redirect_uri: "http://localhost:3000/callback",
      response_type: "code",
      scope: "openid profile",
      state: "s",
      nonce: "n",
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(valid), ...PARAMS), value, async (name, bent) => {
        const query: [string, string][] = Object.entries({ ...valid, [name]: bent });
        await expectWellFormed(await send({ method: "GET", path: "/authorize" }, query, undefined, undefined, ""));
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
