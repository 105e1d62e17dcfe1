// A pending authorization request between /authorize and the login/consent pages, kept in a signed value
// (no storage round trip): it carries the validated request and when the interaction began.
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { InteractionExpired } from "../errors";
import { randomToken } from "../lib/crypto";
import { signInternal, verifyInternal } from "../session/mac";
import { AuthorizationRequest } from "./request";

const TYP = "eo-interaction+jwt";

const InteractionClaims = v.object({
  jti: v.string(),
  iat: v.number(),
  req: AuthorizationRequest,
});
export type Interaction = v.InferOutput<typeof InteractionClaims> & { token: string };

export async function beginInteraction(env: Env, request: AuthorizationRequest): Promise<Interaction> {
  const jti = randomToken(16);
  const iat = nowSeconds();
  const token = await signInternal(env, TYP, { jti, req: request }, config.lifetimes.interaction);
  return { jti, iat, req: request, token };
}

/** The interaction; InteractionExpired (invalid_request, shown on the page) when it is missing, forged or expired. */
export async function resumeInteraction(env: Env, token: string | undefined): Promise<Interaction> {
  const claims = token ? await verifyInternal(env, TYP, token) : null;
  const parsed = v.safeParse(InteractionClaims, claims);
  if (!token || !parsed.success) throw new InteractionExpired();
  return { ...parsed.output, token };
}
