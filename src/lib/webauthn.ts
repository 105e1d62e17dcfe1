// Passkeys (WebAuthn Level 3, https://www.w3.org/TR/webauthn-3/): the options a page hands to the browser, the
// browser's JSON read as untrusted input, and the registration (§7.1) and authentication (§7.2) ceremonies verified
// with @simplewebauthn/server on Web Crypto. The caller keeps what needs storage: the single-use challenge, the
// credential records and the user accounts (§7.1 "not yet registered for any user" and §7.2 "identify the user" are
// its lookups). Origin and RP ID are passed in; the provider derives them from ISSUER.
//
// Every check that names a reason (user verification, backup eligibility, the counter) runs after the library has
// verified everything else, the assertion signature included: a reason other than "invalid" always describes a
// response the credential's key really signed, so a forged response cannot make a credential look cloned.
//
// The library (and the certificate parsing it brings, ~680 KiB) is imported on first use: the bundler evaluates a
// dynamically imported module lazily, so an isolate that never verifies a passkey (the token endpoint's) does not
// pay for its start-up.
import type {
  AuthenticationResponseJSON as LibraryAuthenticationResponse,
  CredentialDeviceType,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON as LibraryRegistrationResponse,
} from "@simplewebauthn/server";
import { base64url } from "jose";
import * as v from "valibot";

/**
 * The credential public key algorithms we accept, in order of preference (§5.4 pubKeyCredParams, §5.8.5 COSE
 * identifiers): EdDSA (-8), ES256 (-7), RS256 (-257). Registration refuses any other (§7.1 "Verify that the "alg"
 * parameter in the credential public key ... matches the alg attribute of one of the items in pubKeyCredParams").
 */
const ALGORITHMS = [-8, -7, -257];

/** How long the browser waits for the user, in milliseconds (§5.4 timeout, a hint to the client). */
const TIMEOUT_MS = 120_000;

/**
 * Attestation statement formats we accept (§7.1 "Determine the attestation statement format ... against the set of
 * supported ... values"). We ask for "none", and then (§5.4.7) "If the authenticator generates an attestation
 * statement that is not a self attestation, the client will replace it with a None attestation statement": only
 * "none" and a self-attested "packed" statement can come from a conforming client. Both are checked locally. The
 * other formats are refused, not verified: for apple, android-key and android-safetynet the library would first
 * fetch the CRL addresses named in the certificates the response carries, so anyone registering could make the
 * Worker request a URL of their choosing.
 */
const ATTESTATION_FORMATS: ReadonlySet<string> = new Set(["none", "packed"]);

// ---------------------------------------------------------------------------------------------------------------
// The browser's JSON (§5.1 toJSON(): RegistrationResponseJSON, AuthenticationResponseJSON), read as untrusted input.

/** The longest response we read at all; the fields below are bounded one by one as well. */
const MAX_RESPONSE_JSON = 65_536;

const base64urlString = (maxLength: number) => v.pipe(v.string(), v.maxLength(maxLength), v.regex(/^[A-Za-z0-9_-]+$/));

/** §5.1 [[identifier]]: a credential ID "MUST NOT be longer than 1023 bytes" (1364 base64url characters). */
const CredentialId = base64urlString(1364);
/** §5.4.3: a user handle has "a maximum size of 64 bytes" (86 characters); some clients send "" for none. */
const UserHandle = v.pipe(v.string(), v.maxLength(86), v.regex(/^[A-Za-z0-9_-]*$/));
/**
 * §5.2.1 [[transports]]: "The values SHOULD be members of AuthenticatorTransport but Relying Parties SHOULD accept
 * and store unknown values."
 */
const Transports = v.pipe(v.array(v.pipe(v.string(), v.maxLength(32))), v.maxLength(16));
const Attachment = v.nullish(v.pipe(v.string(), v.maxLength(32)));
/** Extension outputs are not used: the object must be there (§5.1), its members are dropped. */
const ExtensionResults = v.object({});

export const RegistrationResponseJSON = v.object({
  id: CredentialId,
  rawId: CredentialId,
  type: v.literal("public-key"),
  authenticatorAttachment: Attachment,
  clientExtensionResults: ExtensionResults,
  response: v.object({
    clientDataJSON: base64urlString(8192),
    attestationObject: base64urlString(32_768),
    // Required in Level 3's AuthenticatorAttestationResponseJSON, optional here for older clients; not relied on.
    authenticatorData: v.optional(base64urlString(32_768)),
    transports: v.optional(Transports),
    publicKeyAlgorithm: v.optional(v.pipe(v.number(), v.integer())),
    publicKey: v.optional(base64urlString(4096)),
  }),
});
export type RegistrationResponseJSON = v.InferOutput<typeof RegistrationResponseJSON>;

export const AuthenticationResponseJSON = v.object({
  id: CredentialId,
  rawId: CredentialId,
  type: v.literal("public-key"),
  authenticatorAttachment: Attachment,
  clientExtensionResults: ExtensionResults,
  response: v.object({
    clientDataJSON: base64urlString(8192),
    authenticatorData: base64urlString(4096),
    signature: base64urlString(2048),
    userHandle: v.nullish(UserHandle),
  }),
});
export type AuthenticationResponseJSON = v.InferOutput<typeof AuthenticationResponseJSON>;

function parseJson<S extends v.GenericSchema>(json: string, schema: S): v.InferOutput<S> | null {
  if (json.length > MAX_RESPONSE_JSON) return null;
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const result = v.safeParse(schema, data);
  return result.success ? result.output : null;
}

/** The posted result of navigator.credentials.create(), or null if it is not one. Never throws. */
export function parseRegistrationResponse(json: string): RegistrationResponseJSON | null {
  return parseJson(json, RegistrationResponseJSON);
}

/** The posted result of navigator.credentials.get(), or null if it is not one. Never throws. */
export function parseAuthenticationResponse(json: string): AuthenticationResponseJSON | null {
  return parseJson(json, AuthenticationResponseJSON);
}

// ---------------------------------------------------------------------------------------------------------------
// Options for the browser (§5.4, §5.5), as the JSON that PublicKeyCredential.parseCreationOptionsFromJSON() and
// parseRequestOptionsFromJSON() read (§5.1.8, §5.1.9).

export interface PasskeyCreationInput {
  rpId: string;
  rpName: string;
  /**
   * base64url of the user handle: random, 1 to 64 bytes, and §5.4.3 "MUST NOT contain personally identifying
   * information about the user".
   */
  userHandle: string;
  userName: string;
  userDisplayName: string;
  /** base64url of at least 16 random bytes (§13.5.3), used once. */
  challenge: string;
  /** The user's existing credentials, so that one authenticator does not register twice (§5.4 excludeCredentials). */
  excludeCredentialIds: string[];
}

export function passkeyCreationOptions(input: PasskeyCreationInput): PublicKeyCredentialCreationOptionsJSON {
  return {
    rp: { id: input.rpId, name: input.rpName },
    user: { id: input.userHandle, name: input.userName, displayName: input.userDisplayName },
    challenge: input.challenge,
    pubKeyCredParams: ALGORITHMS.map((alg) => ({ type: "public-key", alg })),
    timeout: TIMEOUT_MS,
    excludeCredentials: input.excludeCredentialIds.map((id) => ({ type: "public-key", id })),
    authenticatorSelection: {
      // §5.4.4: a discoverable credential, so that sign-in needs no username. requireResidentKey is for Level 1
      // clients: RPs "SHOULD set it to true if, and only if, residentKey is set to required".
      residentKey: "required",
      requireResidentKey: true,
      // §5.8.6: the passkey is the whole sign-in, so the authenticator must verify the user (PIN, biometrics).
      userVerification: "required",
    },
    // §5.4.7: "none": we do not evaluate authenticator models, and it spares users a privacy prompt.
    attestation: "none",
  };
}

export interface PasskeyRequestInput {
  rpId: string;
  /** base64url of at least 16 random bytes (§13.5.3), used once. */
  challenge: string;
  /** Absent or empty: any discoverable credential for this RP ID (the user is not known yet). */
  allowCredentialIds?: string[];
}

export function passkeyRequestOptions(input: PasskeyRequestInput): PublicKeyCredentialRequestOptionsJSON {
  const allow = input.allowCredentialIds ?? [];
  return {
    rpId: input.rpId,
    challenge: input.challenge,
    timeout: TIMEOUT_MS,
    // §5.5 userVerification "required": §7.2 then checks the UV flag.
    userVerification: "required",
    ...(allow.length > 0 ? { allowCredentials: allow.map((id) => ({ type: "public-key" as const, id })) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The ceremonies.

export interface ExpectedCeremony {
  /** The challenge sent in the options (base64url). */
  challenge: string;
  /** The one origin our pages run on, e.g. "https://auth.example.com". */
  origin: string;
  rpId: string;
}

/** What to store for a new credential (§7.1 credential record). */
export interface PasskeyCredential {
  /** base64url credential ID. */
  id: string;
  /** base64url of the COSE_Key credential public key. */
  publicKey: string;
  counter: number;
  /** From the BE flag (§6.1.3): "multiDevice" may be synced, and this never changes. */
  deviceType: CredentialDeviceType;
  /** The BS flag: backed up now (it may change). */
  backedUp: boolean;
  transports: string[];
  /** The authenticator model; all zeros when the client removed it (attestation "none"). */
  aaguid: string;
}

export type PasskeyRegistrationResult =
  | { ok: true; credential: PasskeyCredential }
  | { ok: false; reason: "user_verification" | "attestation_format" | "invalid" };

const INVALID = { ok: false, reason: "invalid" } as const;

/** §7.1 Registering a New Credential. Never throws: anything wrong is a reason. */
export async function verifyPasskeyRegistration(
  response: RegistrationResponseJSON,
  expected: ExpectedCeremony,
): Promise<PasskeyRegistrationResult> {
  try {
    return await checkRegistration(response, expected);
  } catch {
    return INVALID;
  }
}

async function checkRegistration(
  response: RegistrationResponseJSON,
  expected: ExpectedCeremony,
): Promise<PasskeyRegistrationResult> {
  if (!notFramed(response.response.clientDataJSON)) return INVALID;
  const { decodeAttestationObject } = await import("@simplewebauthn/server/helpers");
  const format = decodeAttestationObject(fromBase64url(response.response.attestationObject)).get("fmt");
  if (!ATTESTATION_FORMATS.has(format)) return { ok: false, reason: "attestation_format" };

  // The library checks §7.1's type "webauthn.create", challenge, origin, rpIdHash, the UP flag, that BS is not set
  // without BE, the algorithm against ours, and the attestation statement.
  const { verifyRegistrationResponse } = await import("@simplewebauthn/server");
  const result = await verifyRegistrationResponse({
    response: forLibrary(response),
    expectedChallenge: expected.challenge,
    expectedOrigin: expected.origin,
    expectedRPID: expected.rpId,
    requireUserPresence: true,
    requireUserVerification: false, // checked below, once everything else holds
    supportedAlgorithmIDs: ALGORITHMS,
  });
  if (!result.verified) return INVALID;
  const info = result.registrationInfo;
  // §7.1: "If the Relying Party requires user verification for this registration, verify that the UV bit of the
  // flags in authData is set."
  if (!info.userVerified) return { ok: false, reason: "user_verification" };
  const id = info.credential.id;
  // The credential ID in the authenticator data is the one the response names, and §7.1: "Verify that the
  // credentialId is ≤ 1023 bytes."
  if (id !== response.id || base64url.decode(id).length > 1023) return INVALID;
  return {
    ok: true,
    credential: {
      id,
      publicKey: base64url.encode(info.credential.publicKey),
      counter: info.credential.counter,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      transports: response.response.transports ?? [],
      aaguid: info.aaguid,
    },
  };
}

/** The stored credential record an assertion is checked against (§7.2 credentialRecord). */
export interface StoredPasskey {
  id: string;
  /** base64url COSE_Key, as verifyPasskeyRegistration returned it. */
  publicKey: string;
  counter: number;
  deviceType: CredentialDeviceType;
  /**
   * The user handle of the account the credential belongs to: when given, a user handle in the response must equal
   * it (§7.2 "If response.userHandle is present, verify that it equals the user handle of the user account").
   */
  userHandle?: string;
}

export type PasskeyAssertionResult =
  | { ok: true; counter: number; backedUp: boolean; deviceType: CredentialDeviceType; userVerified: true }
  | { ok: false; reason: "counter" | "backup_eligibility_changed" | "user_verification" | "invalid" };

/**
 * §7.2 Verifying an Authentication Assertion. On success, store the new counter and backedUp (§7.2 "Update
 * credentialRecord with new state values"). Never throws: anything wrong is a reason.
 */
export async function verifyPasskeyAssertion(
  response: AuthenticationResponseJSON,
  expected: ExpectedCeremony & { credential: StoredPasskey },
): Promise<PasskeyAssertionResult> {
  try {
    return await checkAssertion(response, expected);
  } catch {
    return INVALID;
  }
}

async function checkAssertion(
  response: AuthenticationResponseJSON,
  expected: ExpectedCeremony & { credential: StoredPasskey },
): Promise<PasskeyAssertionResult> {
  const stored = expected.credential;
  // A stored counter is a 32-bit unsigned integer (§6.1); anything else would make the comparison below vacuous.
  if (!Number.isInteger(stored.counter) || stored.counter < 0 || stored.counter > 0xffffffff) return INVALID;
  // §7.2: the credential record is the one "whose id equals credential.rawId".
  if (response.id !== stored.id || response.rawId !== stored.id) return INVALID;
  const userHandle = response.response.userHandle;
  if (stored.userHandle !== undefined && userHandle && userHandle !== stored.userHandle) return INVALID;
  if (!notFramed(response.response.clientDataJSON)) return INVALID;

  // The library checks §7.2's type "webauthn.get", challenge, origin, rpIdHash, the UP flag, that BS is not set
  // without BE, and the signature over authData and the hash of clientDataJSON with the stored public key. It is
  // given counter 0, which turns its own counter check off: ours below runs after the signature is known good.
  const { verifyAuthenticationResponse } = await import("@simplewebauthn/server");
  const result = await verifyAuthenticationResponse({
    response: forLibrary(response),
    expectedChallenge: expected.challenge,
    expectedOrigin: expected.origin,
    expectedRPID: expected.rpId,
    credential: { id: stored.id, publicKey: fromBase64url(stored.publicKey), counter: 0 },
    requireUserVerification: false, // checked below
  });
  if (!result.verified) return INVALID;
  const info = result.authenticationInfo;

  // §7.2: "If user verification was determined to be required, verify that the UV bit of the flags in authData is
  // set." We always require it (§5.5 userVerification "required").
  if (!info.userVerified) return { ok: false, reason: "user_verification" };
  // §6.1.3: "The value of the BE flag is set during authenticatorMakeCredential operation and MUST NOT change." §7.2:
  // if the record's backupEligible is set, verify that currentBe is set; if not set, that it is not set.
  if (info.credentialDeviceType !== stored.deviceType) return { ok: false, reason: "backup_eligibility_changed" };
  // §7.2 and §6.1.1: "If authData.signCount is nonzero or credentialRecord.signCount is nonzero", a count that is not
  // greater than the stored one "is a signal ... that the authenticator may be cloned". We fail the ceremony. Both
  // zero is the normal case for synced passkeys, which keep no counter.
  if ((info.newCounter > 0 || stored.counter > 0) && info.newCounter <= stored.counter) {
    return { ok: false, reason: "counter" };
  }
  return {
    ok: true,
    counter: info.newCounter,
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    userVerified: true,
  };
}

/**
 * §7.1 and §7.2: if C.crossOrigin is true or C.topOrigin is present, "verify that the Relying Party expects" to be
 * used inside a cross-origin iframe. We never do (our pages send frame-ancestors 'none'), so neither may be there.
 * The library reads neither.
 */
const TopLevelClientData = v.object({
  crossOrigin: v.optional(v.literal(false)),
  topOrigin: v.optional(v.never()),
});

function notFramed(clientDataJSON: string): boolean {
  const text = new TextDecoder().decode(base64url.decode(clientDataJSON));
  return v.is(TopLevelClientData, JSON.parse(text));
}

/** The bytes of a base64url string, in a buffer of their own (the library's type); throws if it is not base64url. */
function fromBase64url(value: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(base64url.decode(value));
}

/** Our parsed value as the library's type: only the members it reads. */
function forLibrary(response: RegistrationResponseJSON): LibraryRegistrationResponse;
function forLibrary(response: AuthenticationResponseJSON): LibraryAuthenticationResponse;
function forLibrary(
  response: RegistrationResponseJSON | AuthenticationResponseJSON,
): LibraryRegistrationResponse | LibraryAuthenticationResponse {
  const common = { id: response.id, rawId: response.rawId, type: response.type, clientExtensionResults: {} };
  if ("attestationObject" in response.response) {
    const { clientDataJSON, attestationObject } = response.response;
    return { ...common, response: { clientDataJSON, attestationObject } };
  }
  const { clientDataJSON, authenticatorData, signature, userHandle } = response.response;
  return { ...common, response: { clientDataJSON, authenticatorData, signature, userHandle: userHandle || undefined } };
}
