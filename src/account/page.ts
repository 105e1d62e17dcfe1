// The account page drawn for a signed-in user: one call to the user's Account (sessions, factors, consents, an
// authenticator app being set up), the user's record, the names of the connected apps, and a passkey challenge
// bound to the session. docs/sign-in.md#the-account-page.
import type { Context } from "hono";
import type { AccountOverview } from "../durable/account";
import { findClient } from "../clients/registry";
import type { AppEnv } from "../env";
import { base32Encode } from "../lib/base32";
import { qrSvg } from "../lib/qr-svg";
import { otpauthUri } from "../lib/totp";
import { passkeyCreationCeremony } from "../authorization/pages";
import { csrfToken } from "../session/csrf";
import type { Session } from "../session/session";
import { displayName, findUserBySub } from "../users/store";
import { brandFrom } from "../views/branding";
import { renderAccount, type AccountView } from "../views/account";
import { pageLocale } from "../views/i18n";
import { deviceName } from "../lib/user-agent";

export interface PageExtras {
  notice?: AccountView["notice"];
  newRecoveryCodes?: string[] | undefined;
}

/** The form token of the account page: this browser's CSRF cookie and the session. */
export function accountCsrfBinding(session: Session): string {
  return `account:${session.sid}`;
}

export async function renderAccountPage(
  c: Context<AppEnv>,
  session: Session,
  overview: AccountOverview,
  extras: PageExtras = {},
): Promise<Response> {
  const user = await findUserBySub(c.env, session.sub);
  const userName = user ? displayName(user) : session.sub;
  const { factors } = overview;
  return renderAccount(c, {
    locale: pageLocale(c, undefined),
    csrf: await csrfToken(c, accountCsrfBinding(session)),
    userName,
    username: user?.username ?? session.sub,
    localPassword: user?.source === "kv" && user.password !== undefined,
    sessions: overview.sessions.map((s) => ({
      sid: s.sid,
      current: s.sid === session.sid,
      device: deviceName(s.device),
      startedAt: s.startedAt,
    })),
    passkeys: factors.passkeys,
    totp: factors.totp,
    totpEnrolment: overview.pendingTotp ? enrolment(c, user?.username ?? session.sub, overview.pendingTotp) : undefined,
    recoveryCodesLeft: factors.recoveryCodesLeft,
    newRecoveryCodes: extras.newRecoveryCodes,
    apps: await Promise.all(
      overview.consents.map(async ({ clientId }) => {
        const client = await findClient(c.env, clientId);
        return { clientId, name: client?.client_name ?? clientId };
      }),
    ),
    passkeyCeremony: await passkeyCreationCeremony(
      c,
      session,
      user,
      factors.passkeys.map((p) => p.id),
    ),
    notice: extras.notice,
  });
}

/** The QR code and key of an authenticator app being set up (otpauth URI: issuer and account as the app shows them). */
function enrolment(c: Context<AppEnv>, account: string, secret: Uint8Array) {
  const issuer = brandFrom(c.env).name.replaceAll(":", " ");
  const uri = otpauthUri({ issuer, account: account.replaceAll(":", " "), secret });
  return {
    qrSvg: qrSvg(uri, "QR code for your authenticator app"),
    secret: base32Encode(secret)
      .replace(/(.{4})/g, "$1 ")
      .trim(),
  };
}
