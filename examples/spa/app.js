// A small single-page app on oidc-client-ts: `npm run example:spa` serves it for the demo-spa client, and the
// interop suite (test/interop/oidc-client-ts.interop.test.ts) drives it in headless Chromium.
// One page for every path: the path says which callback it is. window.spa exposes the app's actions (the buttons
// call them too), and window.spa.ready settles once the page has done what its path asks (a rejection carries the
// library's error).
"use strict";

const base = `${window.location.origin}${SPA_CONFIG.basePath}`;
const manager = new oidc.UserManager({
  authority: SPA_CONFIG.issuer,
  client_id: SPA_CONFIG.clientId,
  redirect_uri: `${base}/callback`,
  silent_redirect_uri: `${base}/silent`,
  post_logout_redirect_uri: `${base}/signed-out`,
  scope: "openid profile email offline_access",
  response_type: "code",
  // UserInfo through the library (a cross-origin fetch from this page).
  loadUserInfo: true,
  automaticSilentRenew: false,
  revokeTokensOnSignout: true,
  userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
});

/** What the test reads back: never the tokens themselves beyond what it compares. */
function summary(user) {
  if (!user) return null;
  return {
    sub: user.profile.sub,
    email: user.profile.email ?? null,
    accessToken: user.access_token,
    refreshToken: user.refresh_token ?? null,
    idToken: user.id_token ?? null,
    scope: user.scope ?? null,
  };
}

function errorSummary(err) {
  return { error: err && err.error ? err.error : null, message: err instanceof Error ? err.message : String(err) };
}

function show(text) {
  document.getElementById("status").textContent = text;
}

window.spa = {
  signIn: () => manager.signinRedirect(),
  user: async () => summary(await manager.getUser()),
  /** signinSilent with the stored refresh token (the library's choice when it holds one). */
  renewWithRefreshToken: async () => summary(await manager.signinSilent()),
  /** signinSilent through a hidden iframe: /authorize with prompt=none, answered at silent_redirect_uri. */
  renewWithIframe: async () => {
    try {
      return { user: summary(await manager.signinSilent({ forceIframeAuth: true })) };
    } catch (err) {
      return errorSummary(err);
    }
  },
  signOut: () => manager.signoutRedirect({ state: "spa-signed-out" }),
};

async function onLoad() {
  const path = window.location.pathname.slice(SPA_CONFIG.basePath.length);
  if (path === "/callback") {
    const user = await manager.signinRedirectCallback();
    show(`signed in as ${user.profile.sub}`);
    return { page: "callback", user: summary(user) };
  }
  if (path === "/silent") {
    await manager.signinSilentCallback();
    return { page: "silent" };
  }
  if (path === "/signed-out") {
    const response = await manager.signoutRedirectCallback();
    show("signed out");
    return { page: "signed-out", state: response.userState ?? null, user: summary(await manager.getUser()) };
  }
  const user = await manager.getUser();
  show(user ? `signed in as ${user.profile.sub}` : "ready");
  return { page: "home" };
}

window.spa.ready = onLoad().catch((err) => {
  show(`error: ${err instanceof Error ? err.message : String(err)}`);
  return { page: window.location.pathname, failure: errorSummary(err) };
});

for (const [id, action] of Object.entries({
  "sign-in": "signIn",
  renew: "renewWithRefreshToken",
  "sign-out": "signOut",
})) {
  document.getElementById(id).addEventListener("click", () => {
    window.spa[action]().then(
      (user) => user && show(`renewed: access token ends ${user.accessToken.slice(-8)}`),
      (err) => show(`error: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
}
