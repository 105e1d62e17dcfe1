// The session and CSRF cookies: HttpOnly, SameSite=Lax, Path=/. On https they also get Secure and the
// `__Host-` prefix, with which the browser insists on Secure, Path=/ and no Domain, so no sibling subdomain can
// set or shadow them (RFC 6265bis §4.1.3.2); plain http (local development) cannot use the prefix.
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";

const isHttps = (c: Context<AppEnv>) => new URL(c.req.url).protocol === "https:";

export function readCookie(c: Context<AppEnv>, name: string): string | undefined {
  return isHttps(c) ? getCookie(c, name, "host") : getCookie(c, name);
}

export function writeCookie(c: Context<AppEnv>, name: string, value: string, maxAge?: number): void {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    path: "/",
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(isHttps(c) ? { prefix: "host" as const } : {}),
  });
}

/** Removes a cookie: the same name and attributes, empty, expired (RFC 6265 §3.1). */
export function clearCookie(c: Context<AppEnv>, name: string): void {
  writeCookie(c, name, "", 0);
}
