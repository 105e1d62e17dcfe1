// The account page (GET /account) and its forms (POST /account): for the signed-in user only; anyone else signs in
// first, through the same journey as for an application (src/authorization/account-client.ts).
import { Hono, type Context } from "hono";
import { runAccountAction, type Notice } from "../account/actions";
import { accountCsrfBinding, renderAccountPage } from "../account/page";
import { startAccountSignIn } from "../authorization/journey";
import type { AppEnv } from "../env";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, sourceAddress } from "../http/params";
import { requireCsrf } from "../session/csrf";
import { dropSessionCookie, readSession } from "../session/session";
import { objects } from "../storage";
import { messages, pageLocale } from "../views/i18n";
import { renderSignedOut } from "../views/logout";

export const account = new Hono<AppEnv>();

// A browser page: every error is shown on our error page.
account.onError(pageErrors);

account.get("/", async (c) => {
  const query = queryParams(c);
  const signedIn = await liveSession(c);
  if (!signedIn) {
    // The sign-in was cancelled (the journey answered access_denied here): say so, instead of asking again.
    if (query.error !== undefined) return renderSignedOut(c, pageLocale(c, undefined), false);
    return startAccountSignIn(c, false);
  }
  return renderAccountPage(c, signedIn.session, signedIn.overview, { notice: notice(c, query.notice) });
});

account.post("/", async (c) => {
  const form = await formParams(c);
  const cookie = await readSession(c);
  // Only a live session acts: a cookie whose session was signed out (its signature still good for a day) must not
  // sign the user out everywhere again, or change anything. Its sign-in time is the Account's, not the cookie's.
  const record = cookie ? await objects.account(c.env, cookie.sub).session(cookie.sid) : null;
  if (!cookie || !record) {
    dropSessionCookie(c);
    return startAccountSignIn(c, false);
  }
  await requireCsrf(c, accountCsrfBinding(cookie), form.csrf);
  return runAccountAction(c, { ...cookie, auth_time: record.authTime }, form, sourceAddress(c));
});

/** The browser's session and the account's overview, in one call, if the session is live. */
async function liveSession(c: Context<AppEnv>) {
  const session = await readSession(c);
  if (!session) return null;
  const overview = await objects.account(c.env, session.sub).overview(session.sid);
  if (overview.sessions.some((s) => s.sid === session.sid)) return { session, overview };
  dropSessionCookie(c);
  return null;
}

interface NoticeView {
  kind: "done" | "failed";
  text: string;
}

function notice(c: Context<AppEnv>, name: string | undefined): NoticeView | undefined {
  const a = messages(pageLocale(c, undefined)).account;
  const notices: [Notice, NoticeView][] = [
    ["done", { kind: "done", text: a.done }],
    ["failed", { kind: "failed", text: a.failed }],
    ["password_changed", { kind: "done", text: a.passwordChanged }],
    ["wrong_password", { kind: "failed", text: a.wrongCurrentPassword }],
  ];
  return notices.find(([key]) => key === name)?.[1];
}
