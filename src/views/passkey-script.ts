// The passkey pages' browser script: plain JavaScript that a page includes as one inline <script nonce="...">, with no
// imports and no build step. It calls the WebAuthn API (WebAuthn Level 3 §5.1) and posts the result, as JSON
// (§5.1 toJSON()), in a hidden form field; the server verifies it (src/lib/webauthn.ts). The page contract:
//
// - sign-in: <script type="application/json" id="passkey-request-options"> holds passkeyRequestOptions(); clicking
//   #passkey-signin calls navigator.credentials.get() and posts form #passkey-form with the response in its hidden
//   input name="passkey_response". If the page has an input whose autocomplete contains "webauthn" and the browser
//   offers conditional mediation, the same request also runs on load as autofill (mediation "conditional"); a click
//   on the button aborts it first.
// - registration: <script type="application/json" id="passkey-creation-options"> holds passkeyCreationOptions();
//   clicking #passkey-create calls navigator.credentials.create() and posts form #passkey-create-form the same way.
// - errors (the user cancelled: NotAllowedError; an excluded authenticator: InvalidStateError; no WebAuthn at all):
//   the element #passkey-error (hidden, role="alert", its text in the page's language) is shown, nothing is posted.
// - the password form #password-form: when this device can make a passkey (a user-verifying platform
//   authenticator, §5.1.7), a hidden passkey_capable=1 is added, so the server may offer one after the sign-in.
//
// On a page without these elements it does nothing.
export const PASSKEY_SCRIPT = `(function () {
  "use strict";
  var PKC = window.PublicKeyCredential;

  function byId(id) {
    return document.getElementById(id);
  }
  function showError() {
    var box = byId("passkey-error");
    if (box) box.removeAttribute("hidden");
  }
  function hideError() {
    var box = byId("passkey-error");
    if (box) box.setAttribute("hidden", "");
  }
  function readOptions(id) {
    var element = byId(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent || "");
    } catch {
      return null;
    }
  }

  // base64url (no padding), the encoding of every binary member in the JSON forms (§5.1).
  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }
  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return list.map(function (d) {
      return { type: d.type, id: toBuffer(d.id), transports: d.transports };
    });
  }
  function copy(json) {
    var options = {};
    for (var key in json) if (Object.prototype.hasOwnProperty.call(json, key)) options[key] = json[key];
    return options;
  }

  // §5.1.9 parseRequestOptionsFromJSON() where the browser has it, else the same decoding by hand.
  function requestOptions(json) {
    if (typeof PKC.parseRequestOptionsFromJSON === "function") return PKC.parseRequestOptionsFromJSON(json);
    var options = copy(json);
    options.challenge = toBuffer(json.challenge);
    if (json.allowCredentials) options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }
  // §5.1.8 parseCreationOptionsFromJSON(), likewise.
  function creationOptions(json) {
    if (typeof PKC.parseCreationOptionsFromJSON === "function") return PKC.parseCreationOptionsFromJSON(json);
    var options = copy(json);
    options.challenge = toBuffer(json.challenge);
    options.user = { id: toBuffer(json.user.id), name: json.user.name, displayName: json.user.displayName };
    if (json.excludeCredentials) options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  // §5.1 toJSON() where the browser has it, else RegistrationResponseJSON / AuthenticationResponseJSON by hand.
  function responseJSON(credential) {
    if (typeof credential.toJSON === "function") {
      try {
        return credential.toJSON();
      } catch {
        // Some password managers answer with look-alike objects whose toJSON() throws: build it by hand.
      }
    }
    var r = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: {},
      response: { clientDataJSON: toBase64url(r.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment;
    if (r.attestationObject) {
      json.response.attestationObject = toBase64url(r.attestationObject);
      json.response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
      if (typeof r.getAuthenticatorData === "function") {
        json.response.authenticatorData = toBase64url(r.getAuthenticatorData());
      }
      if (typeof r.getPublicKeyAlgorithm === "function") json.response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
      var publicKey = typeof r.getPublicKey === "function" ? r.getPublicKey() : null;
      if (publicKey) json.response.publicKey = toBase64url(publicKey);
    } else {
      json.response.authenticatorData = toBase64url(r.authenticatorData);
      json.response.signature = toBase64url(r.signature);
      if (r.userHandle) json.response.userHandle = toBase64url(r.userHandle);
    }
    return json;
  }

  // Put the whole response in the form and post it; if anything is missing, post nothing.
  function submit(form, credential) {
    var input = form.querySelector('input[name="passkey_response"]');
    if (!credential || !input) throw new Error("no passkey response");
    var value = JSON.stringify(responseJSON(credential));
    input.value = value;
    form.submit();
  }

  function setUpSignIn() {
    var json = readOptions("passkey-request-options");
    var button = byId("passkey-signin");
    var form = byId("passkey-form");
    if (!json || !form) return;
    var conditional = null;
    var started = false;

    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        started = true;
        if (conditional) conditional.abort();
        conditional = null;
        hideError();
        if (!PKC) return showError();
        button.disabled = true;
        Promise.resolve()
          .then(function () {
            return navigator.credentials.get({ publicKey: requestOptions(json) });
          })
          .then(function (credential) {
            submit(form, credential);
          })
          .catch(function () {
            button.disabled = false;
            showError();
          });
      });
    }

    // Conditional mediation (autofill): only with an input that asks for it, and only if no click came first.
    var autofill = document.querySelector('input[autocomplete*="webauthn" i]');
    if (!PKC || !autofill || typeof PKC.isConditionalMediationAvailable !== "function") return;
    PKC.isConditionalMediationAvailable()
      .then(function (available) {
        if (!available || started) return;
        var controller = new AbortController();
        conditional = controller;
        return navigator.credentials
          .get({ publicKey: requestOptions(json), mediation: "conditional", signal: controller.signal })
          .then(function (credential) {
            submit(form, credential);
          })
          .catch(function () {
            // Autofill is an offer the person did not take up: its failure (no passkey here, our own abort when
            // the button is clicked, a browser without the UI) is nothing to tell them.
          });
      })
      .catch(function () {});
  }

  function setUpRegistration() {
    var json = readOptions("passkey-creation-options");
    var button = byId("passkey-create");
    var form = byId("passkey-create-form");
    if (!json || !button || !form) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      hideError();
      if (!PKC) return showError();
      button.disabled = true;
      Promise.resolve()
        .then(function () {
          return navigator.credentials.create({ publicKey: creationOptions(json) });
        })
        .then(function (credential) {
          submit(form, credential);
        })
        .catch(function () {
          button.disabled = false;
          showError();
        });
    });
  }

  // §5.1.7 isUserVerifyingPlatformAuthenticatorAvailable(): say so with the password, so that the offer of a
  // passkey after the sign-in comes only where one can be made. Tools that post the form by hand never see it.
  function markCapable() {
    var form = byId("password-form");
    if (!form || !PKC || typeof PKC.isUserVerifyingPlatformAuthenticatorAvailable !== "function") return;
    PKC.isUserVerifyingPlatformAuthenticatorAvailable()
      .then(function (available) {
        if (!available) return;
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "passkey_capable";
        input.value = "1";
        form.appendChild(input);
      })
      .catch(function () {});
  }

  function start() {
    setUpSignIn();
    setUpRegistration();
    markCapable();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
`;
