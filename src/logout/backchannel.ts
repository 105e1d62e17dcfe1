// Delivering one back-channel logout (OIDC Back-Channel Logout 1.0 §2.5): a POST of the logout token to the
// client's backchannel_logout_uri. Called only from the user's Account alarm, which keeps the queue and retries.
import { findClient } from "../clients/registry";
import { backchannelLogoutUriProblem } from "../clients/redirect-uris";
import type { DeliveryOutcome, LogoutDelivery } from "../durable/account";
import type { Env } from "../env";
import { isLoopback } from "../lib/urls";
import { signLogoutToken } from "./logout-token";

/** A client that does not answer in this time is retried later. */
const TIMEOUT_MS = 5_000;

export async function deliverBackchannelLogout(env: Env, delivery: LogoutDelivery): Promise<DeliveryOutcome> {
  const client = await findClient(env, delivery.clientId);
  const uri = client?.backchannel_logout_uri;
  // A client deleted meanwhile, or one that never asked to be told: nothing to deliver.
  if (!client || uri === undefined) return "delivered";
  // Checked again at delivery, as at registration: the provider never POSTs to a private network in production.
  if (backchannelLogoutUriProblem(uri, isLoopback(new URL(env.ISSUER))) !== undefined) return "refused";
  const logoutToken = await signLogoutToken(env, client, delivery);
  const res = await fetch(uri, {
    method: "POST",
    // §2.5: "using the HTTP POST method ... application/x-www-form-urlencoded ... logout_token".
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ logout_token: logoutToken }).toString(),
    // §2.5: "the OP SHOULD NOT follow redirects": a redirect is an answer that did not log anyone out.
    redirect: "manual",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.body?.cancel();
  return outcomeOf(res.status);
}

/**
 * §2.8: "If the logout succeeded, the RP MUST respond with HTTP 200 OK" (204 is common too); "If the logout failed,
 * the RP MUST respond with HTTP 400 Bad Request": the same token would fail again. A timeout or a server error
 * (5xx, 408, 429) may pass: retried.
 */
function outcomeOf(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return "delivered";
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return "refused";
  return "retry";
}
