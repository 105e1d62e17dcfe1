// A stand-in authorization server for the verifier's unit tests: a Fetcher (like a service binding) that
// serves metadata, a JWKS we control and an introspection endpoint, and counts every request. Keys are real
// (jose + Web Crypto), so nothing cryptographic is mocked.
import { SignJWT, base64url, exportJWK, generateKeyPair, type JWK, type JWTPayload } from "jose";
import type { FetcherLike, VerifyAccessTokenOptions } from "../../src/resource";

export type Alg = "RS256" | "ES256" | "PS256" | "EdDSA";

export interface IssuedKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export interface IntrospectionCall {
  authorization: string | null;
  contentType: string | null;
  form: URLSearchParams;
}

let counter = 0;

export class FakeIssuer implements FetcherLike {
  readonly issuer = `https://issuer-${++counter}-${crypto.randomUUID().slice(0, 8)}.test`;
  readonly audience = "urn:test:api";
  readonly calls = { discovery: 0, jwks: 0, introspection: 0, other: 0 };
  readonly introspectionCalls: IntrospectionCall[] = [];
  /** The `cache` mode of each JWKS request ("no-store" asks any HTTP cache on the way to stand aside). */
  readonly jwksCacheModes: (string | undefined)[] = [];
  /** Cache-Control on the JWKS and metadata responses (the provider sends public, max-age=300). */
  cacheControl = "public, max-age=300";
  /** Override what the metadata says (e.g. another issuer). */
  metadataOverrides: Record<string, unknown> = {};
  /** When set, JWKS and metadata requests fail with this status. */
  failWith: number | undefined;
  /** Hold JWKS responses until released, to make concurrent requests overlap for sure. */
  private jwksGate: Promise<void> | undefined;
  private readonly keys = new Map<string, IssuedKey>();
  private published: string[] = [];
  private readonly opaque = new Map<string, Record<string, unknown>>();

  constructor(private readonly clock: { now: number }) {}

  static async create(clock: { now: number }, alg: Alg = "RS256"): Promise<{ issuer: FakeIssuer; key: IssuedKey }> {
    const issuer = new FakeIssuer(clock);
    const key = await issuer.addKey(alg);
    issuer.publish(key.kid);
    return { issuer, key };
  }

  async addKey(alg: Alg = "RS256"): Promise<IssuedKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${alg.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    const key = { kid, alg, privateKey, publicKey, publicJwk };
    this.keys.set(kid, key);
    return key;
  }

  /** Serve exactly these keys from now on. */
  publish(...kids: string[]): void {
    this.published = kids;
  }

  holdJwks(): () => void {
    let release = () => {};
    this.jwksGate = new Promise<void>((r) => {
      release = () => {
        this.jwksGate = undefined;
        r();
      };
    });
    return release;
  }

  /** A valid RFC 9068 access token for our audience with scope "weather read", unless overridden. */
  async token(
    key: IssuedKey,
    claims: JWTPayload = {},
    header: { typ?: string; alg?: string; kid?: string } = {},
  ): Promise<string> {
    const now = this.clock.now;
    const all: JWTPayload = {
      iss: this.issuer,
      sub: "user-1",
      aud: this.audience,
      exp: now + 600,
      iat: now,
      jti: crypto.randomUUID(),
      client_id: "client-1",
      scope: "weather read",
      ...claims,
    };
    const payload: JWTPayload = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
    return new SignJWT(payload)
      .setProtectedHeader({ alg: header.alg ?? key.alg, kid: header.kid ?? key.kid, typ: header.typ ?? "at+jwt" })
      .sign(key.privateKey);
  }

  /** Registers an opaque token (provider shape `<64 hex>.<43 base64url>`) with its introspection answer. */
  opaqueToken(answer: Record<string, unknown> = {}): string {
    const hex = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const token = `${hex}.${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
    this.opaque.set(token, {
      active: true,
      scope: "weather read",
      client_id: "client-1",
      sub: "user-1",
      aud: [this.audience],
      iss: this.issuer,
      exp: this.clock.now + 600,
      iat: this.clock.now,
      token_type: "Bearer",
      ...answer,
    });
    return token;
  }

  revoke(token: string): void {
    this.opaque.delete(token);
  }

  async fetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== this.issuer) {
      this.calls.other++;
      return new Response("wrong host", { status: 421 });
    }
    if (url.pathname === "/.well-known/openid-configuration") {
      this.calls.discovery++;
      if (this.failWith) return new Response("down", { status: this.failWith });
      return this.json({
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/jwks`,
        introspection_endpoint: `${this.issuer}/introspect`,
        ...this.metadataOverrides,
      });
    }
    if (url.pathname === "/jwks") {
      this.calls.jwks++;
      this.jwksCacheModes.push((init as { cache?: string } | undefined)?.cache);
      if (this.jwksGate) await this.jwksGate;
      if (this.failWith) return new Response("down", { status: this.failWith });
      const keys = this.published.map((kid) => this.keys.get(kid)?.publicJwk);
      return this.json({ keys });
    }
    if (url.pathname === "/introspect" && request.method === "POST") {
      this.calls.introspection++;
      const form = new URLSearchParams(await request.text());
      this.introspectionCalls.push({
        authorization: request.headers.get("authorization"),
        contentType: request.headers.get("content-type"),
        form,
      });
      if (this.failWith) return new Response("down", { status: this.failWith });
      const answer = this.opaque.get(form.get("token") ?? "");
      return Response.json(answer ?? { active: false }, { headers: { "cache-control": "no-store" } });
    }
    this.calls.other++;
    return new Response("not found", { status: 404 });
  }

  private json(body: unknown): Response {
    return Response.json(body, { headers: { "cache-control": this.cacheControl } });
  }
}

/** The default DPoP proof algorithms, as the DPoP challenge's algs lists them (RFC 9449 §7.1). */
export const DPOP_ALGS = "ES256 ES384 EdDSA Ed25519 RS256 PS256";

/** A test clock in seconds, shared by the issuer and the verifier. */
export function testClock(): { now: number } {
  return { now: Math.floor(Date.now() / 1000) };
}

export interface FakeIssuerSetup {
  clock: { now: number };
  issuer: FakeIssuer;
  key: IssuedKey;
  options: VerifyAccessTokenOptions;
}

/** A fresh issuer, its first key, a test clock, and verifier options pointing at it (no shared cache). */
export async function fakeIssuerSetup(): Promise<FakeIssuerSetup> {
  const clock = testClock();
  const { issuer, key } = await FakeIssuer.create(clock);
  const options: VerifyAccessTokenOptions = {
    issuer: issuer.issuer,
    audience: issuer.audience,
    fetcher: issuer,
    cache: false,
    now: () => clock.now,
  };
  return { clock, issuer, key, options };
}
