// The audit log: one JSON line per security event on the Worker's log (Workers Logs, `wrangler tail`, a Logpush
// job), so events can be searched and alerted on. By construction it carries identifiers only: a sub, a client_id,
// a key id, a source address, a SHA-256 of a username that failed (people type passwords into the username field),
// never a password, secret, code or token.
import { nowSeconds } from "../clock";

export type AuditEvent =
  | { event: "login.succeeded"; sub: string; source: string | undefined }
  | { event: "login.failed"; usernameHash: string; source: string | undefined }
  | { event: "login.throttled"; usernameHash: string | undefined; source: string | undefined; throttle: string }
  | { event: "code.replayed"; clientId: string; sub: string }
  | { event: "refresh_token.reused"; clientId: string; sub: string }
  | { event: "token.revoked"; clientId: string; outcome: string }
  | { event: "keys.rotated"; rotated: string[]; removed: string[]; trigger: "schedule" | "admin" }
  | {
      event: "client.created" | "client.updated" | "client.deleted" | "client.secret_rotated";
      clientId: string;
      by: "admin" | "self";
    }
  | { event: "user.created" | "user.updated" | "user.deleted"; sub: string; by: "admin" }
  | { event: "user.signed_out"; sub: string; by: "admin" | "self" }
  | { event: "session.ended"; sub: string; clientId: string | undefined; confirmed: boolean }
  | {
      event: "factor.changed";
      sub: string;
      factor: "passkey" | "totp" | "recovery_codes" | "password";
      change: "added" | "renamed" | "removed" | "reset" | "regenerated";
      by: "self" | "admin";
    }
  | { event: "factor.failed"; sub: string; factor: "passkey" | "totp" | "recovery_code"; reason: string }
  | { event: "factor.throttled"; sub: string }
  | { event: "account.consent_revoked"; sub: string; clientId: string; grants: number }
  | { event: "logout.backchannel_failed"; clientId: string; attempts: number; outcome: "refused" | "retry" };

export function audit(entry: AuditEvent): void {
  console.log(JSON.stringify({ audit: 1, at: nowSeconds(), ...entry }));
}
