// The offer of a passkey after a password sign-in: "Add a passkey" registers one for the session that has just
// signed in, "Not now" is remembered in this browser (src/session/passkey-offer.ts). Either way the journey goes on.
import type { Context } from "hono";
import type { Client } from "../../clients/schema";
import type { AppEnv } from "../../env";
import { declinePasskeyOffer, passkeyOfferDeclined } from "../../session/passkey-offer";
import { readSession, type Session } from "../../session/session";
import { registerPasskey } from "../../users/passkeys";
import { isAccountClient } from "../account-client";
import { AMR } from "../acr";
import type { Interaction } from "../interaction";

/**
 * Whether to offer a passkey after a password sign-in (of a user who has none): the page's script found this device
 * can make one, this browser has not said "not now", and this is not the account page (which offers passkeys itself).
 */
export function offersPasskey(c: Context<AppEnv>, client: Client, capable: boolean): boolean {
  return capable && !isAccountClient(client.client_id) && !passkeyOfferDeclined(c);
}

/**
 * The session the offer is for: one that signed in with a password during this very interaction. Any other (an
 * older session, one with more factors) never reaches the offer: adding a passkey is the account page's, behind a
 * recent sign-in there.
 */
export async function offerSession(c: Context<AppEnv>, interaction: Interaction): Promise<Session | null> {
  const session = await readSession(c);
  const passwordNow = session?.ixn === interaction.jti && session.amr.join(" ") === AMR.password;
  return passwordNow ? session : null;
}

export type OfferAnswer =
  { add: true; response: string | undefined; challengeToken: string | undefined } | { add: false };

/** The person's answer: false when "Add a passkey" failed (the offer is shown again). */
export async function answerOffer(c: Context<AppEnv>, session: Session, answer: OfferAnswer): Promise<boolean> {
  if (!answer.add) {
    declinePasskeyOffer(c);
    return true;
  }
  const { response, challengeToken } = answer;
  return registerPasskey(c.env, session, { response, challengeToken, userAgent: c.req.header("user-agent") });
}
