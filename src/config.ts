// Typed, documented defaults. Lifetimes are in seconds.
import type { DpopAlgorithm } from "./resource/dpop-proof";

type SigningAlgorithmName = "RS256" | "ES256" | "PS256" | "EdDSA";

interface ResourceServer {
  audience: string;
  scopes: readonly string[];
  /**
   * Signs access tokens for this API with another algorithm than accessTokenSigningAlg (an API that only does RS256).
   */
  accessTokenSigningAlg?: SigningAlgorithmName;
}

/** The languages of the pages (OIDC Core §3.1.2.1 ui_locales); the first is the fallback. */
const locales = ["en", "de", "fr"] as const;
export type Locale = (typeof locales)[number];
/** A sentence in every page language: a missing translation fails the typecheck. */
export type Localized = Readonly<Record<Locale, string>>;

/** Scopes this provider knows. Deployments add their own API scopes here (the demo's `weather`). */
const scopes = ["openid", "profile", "email", "address", "phone", "offline_access", "weather"] as const;

export const config = {
  lifetimes: {
    /** Authorization code. RFC 6749 §4.1.2 recommends at most 10 minutes; we use 60 s. */
    authorizationCode: 60,
    accessToken: 3600,
    idToken: 3600,
    /** A pending authorization request between /authorize and the login/consent pages. */
    interaction: 600,
    /**
     * A pushed authorization request, from the push to its one use at /authorize. RFC 9126 §2.2: "typically be
     * relatively short (e.g., between 5 and 600 seconds)"; keep it within that.
     */
    pushedRequest: 60,
    /** The SSO session cookie. */
    session: 24 * 3600,
    /** Refresh tokens: sliding (idle) lifetime, renewed on each rotation... */
    refreshTokenIdle: 14 * 24 * 3600,
    /** ...never beyond this absolute lifetime from the original authorization. */
    refreshTokenAbsolute: 30 * 24 * 3600,
    /**
     * RFC 9700 §4.14.2 reuse detection grace: a retry of the same refresh within this window gets the same
     * new refresh token instead of revoking the grant (a client whose network dropped the response).
     */
    refreshGrace: 10,
  },
  /**
   * Password-login throttles (docs/security.md, "Sign-in throttling"), each a count of failed attempts in a sliding
   * window: `perSource` across every username tried from one address (spraying; checked before any password hash
   * is computed), `perAccountAndSource` for one username from one address, `perAccount` for one username from
   * everywhere (distributed guessing). Only the last can keep the real user out, and only for its short window.
   */
  loginThrottle: {
    perSource: { maxFailures: 30, windowSeconds: 10 * 60 },
    perAccountAndSource: { maxFailures: 5, windowSeconds: 15 * 60 },
    perAccount: { maxFailures: 50, windowSeconds: 5 * 60 },
  },
  /** Wrong second-factor codes (authenticator app, recovery) per user in a sliding window, then refused a while. */
  secondFactorThrottle: { maxFailures: 5, windowSeconds: 5 * 60 },
  /** Sign-in methods (docs/sign-in.md). */
  signIn: {
    /** A WebAuthn challenge, from the page that shows it to its one use. */
    challengeSeconds: 300,
    /** A password checked, waiting for the second factor on the same interaction. */
    pendingSeconds: 300,
    /** An authenticator app being enrolled, waiting for its first code. */
    totpEnrolmentSeconds: 600,
    /** Changes to credentials on the account page need a sign-in at most this old. */
    recentSeconds: 300,
    /** Passkeys one user may hold. */
    maxPasskeys: 20,
  },
  /**
   * APIs (resource servers) this provider issues access tokens for: a token whose scope includes one of an
   * API's scopes carries its identifier in `aud` (RFC 9068 §3). The demo's weather API is one.
   */
  resourceServers: [{ audience: "urn:edge-oidc:api:weather", scopes: ["weather"] }] as readonly ResourceServer[],
  /** ID-token signing algorithms we hold keys for; the first is the default (OIDC Discovery requires RS256). */
  signingAlgorithms: ["RS256", "ES256", "PS256", "EdDSA"] as const,
  /**
   * RFC 9068 access tokens are signed with this algorithm unless their API says otherwise (resourceServers).
   * ES256: a signature costs ~50 µs of CPU in workerd against ~1 ms for RS256. RFC 9068 §2.1 requires that RS256
   * be supported (it is: every algorithm here has a published key), not that it be the default.
   */
  accessTokenSigningAlg: "ES256" as SigningAlgorithmName,
  /**
   * Request objects (RFC 9101): accepted signature algorithms (asymmetric only: no `none`, no MAC with a shared
   * secret), how far ahead their `exp` may be, and how old their `nbf`/`iat` may be.
   */
  requestObjects: {
    signingAlgorithms: ["RS256", "PS256", "ES256", "EdDSA"] as const,
    maxLifetimeSeconds: 3600,
    clockSkewSeconds: 10,
  },
  /** RFC 9701 signed introspection responses use this algorithm. */
  introspectionSigningAlg: "RS256" as SigningAlgorithmName,
  scopes,
  locales,
  /**
   * What the consent page says each scope lets the application do, in plain words (the scope name is shown small
   * beside it). Every scope needs one, in every language.
   */
  scopeDescriptions: {
    openid: { en: "Confirm who you are", de: "Bestätigen, wer Sie sind", fr: "Confirmer votre identité" },
    profile: {
      en: "Your name and profile details",
      de: "Ihr Name und Ihre Profilangaben",
      fr: "Votre nom et les informations de votre profil",
    },
    email: { en: "Your email address", de: "Ihre E-Mail-Adresse", fr: "Votre adresse e-mail" },
    address: { en: "Your postal address", de: "Ihre Postanschrift", fr: "Votre adresse postale" },
    phone: { en: "Your phone number", de: "Ihre Telefonnummer", fr: "Votre numéro de téléphone" },
    offline_access: {
      en: "Stay signed in, even when you're not using it",
      de: "Angemeldet bleiben, auch wenn Sie die Anwendung nicht nutzen",
      fr: "Rester connecté, même lorsque vous ne l'utilisez pas",
    },
    weather: {
      en: "Read weather forecasts on your behalf",
      de: "Wettervorhersagen in Ihrem Namen abrufen",
      fr: "Consulter les prévisions météo en votre nom",
    },
  } satisfies Record<(typeof scopes)[number], Localized> as Readonly<Record<string, Localized | undefined>>,
  /**
   * Single claims asked for by name (the claims parameter, OIDC Core §5.5) in plain words; any other claim is
   * shown by its name.
   */
  claimDescriptions: {
    name: { en: "Your full name", de: "Ihr vollständiger Name", fr: "Votre nom complet" },
    given_name: { en: "Your first name", de: "Ihr Vorname", fr: "Votre prénom" },
    family_name: { en: "Your last name", de: "Ihr Nachname", fr: "Votre nom de famille" },
    preferred_username: { en: "Your username", de: "Ihr Benutzername", fr: "Votre nom d'utilisateur" },
    picture: { en: "Your profile picture", de: "Ihr Profilbild", fr: "Votre photo de profil" },
    birthdate: { en: "Your date of birth", de: "Ihr Geburtsdatum", fr: "Votre date de naissance" },
    email: { en: "Your email address", de: "Ihre E-Mail-Adresse", fr: "Votre adresse e-mail" },
    email_verified: {
      en: "Whether your email address is verified",
      de: "Ob Ihre E-Mail-Adresse bestätigt ist",
      fr: "Si votre adresse e-mail est vérifiée",
    },
    address: { en: "Your postal address", de: "Ihre Postanschrift", fr: "Votre adresse postale" },
    phone_number: { en: "Your phone number", de: "Ihre Telefonnummer", fr: "Votre numéro de téléphone" },
    locale: { en: "Your language", de: "Ihre Sprache", fr: "Votre langue" },
    zoneinfo: { en: "Your time zone", de: "Ihre Zeitzone", fr: "Votre fuseau horaire" },
  } as Readonly<Record<string, Localized | undefined>>,
  /** OIDC Core §5.4: the claims each standard scope requests. */
  scopeClaims: {
    profile: [
      "name",
      "family_name",
      "given_name",
      "middle_name",
      "nickname",
      "preferred_username",
      "profile",
      "picture",
      "website",
      "gender",
      "birthdate",
      "zoneinfo",
      "locale",
      "updated_at",
    ],
    email: ["email", "email_verified"],
    address: ["address"],
    phone: ["phone_number", "phone_number_verified"],
  } as Record<string, readonly string[]>,
  /** Authentication methods reference values (RFC 8176) for a password login. */
  passwordAmr: ["pwd"],
  /** PBKDF2 iterations for user passwords: 100,000 is the most Workers allows. */
  pbkdf2Iterations: 100_000,
  /** Largest request body any endpoint accepts (registration metadata is the largest legitimate one). */
  maxRequestBodyBytes: 64 * 1024,
  /**
   * ClientState objects per client: opaque client_credentials tokens are spread over them, so one client can
   * exceed a single Durable Object's ~1,000 requests/s. Changing it strands the opaque tokens of removed shards.
   */
  clientStateShards: 4,
  /**
   * DPoP (RFC 9449; docs/dpop.md). signingAlgorithms: what a proof may be signed with (discovery's
   * dpop_signing_alg_values_supported): the asymmetric algorithms common client libraries use. proofWindowSeconds:
   * how far a proof's iat may be from now, either way (§4.3 item 11); 300 s like node-oidc-provider, so a client
   * whose clock is a few minutes off still gets through, while nonces (§8) bound how long a proof made ahead of time
   * stays usable. nonceRotationSeconds: the time step of the stateless server nonces; the current and the previous
   * step's nonce are accepted, so a nonce is good for one to two steps.
   */
  dpop: {
    signingAlgorithms: ["ES256", "ES384", "EdDSA", "RS256", "PS256"] as const satisfies readonly DpopAlgorithm[],
    proofWindowSeconds: 300,
    nonceRotationSeconds: 300,
  },
  /** Bound on how long isolate-memory caches of KV data live. */
  isolateCacheSeconds: 60,
  /**
   * Signing-key rotation (docs/keys-and-rotation.md; src/keys/schedule.ts). The numbers, and why:
   * - a key set written to KV reaches every location within kvPropagationSeconds (~60 s), and each isolate
   *   keeps its copy for at most isolateCacheSeconds (60 s): a Worker may serve a key set up to 120 s old;
   * - verifiers cache the JWKS for jwksMaxAgeSeconds (300 s, the JWKS and discovery Cache-Control max-age);
   * - so a new key is published activationDelaySeconds (1 h >= 60 + 60 + 300 = 420 s) before it signs, and
   *   every verifier that honours Cache-Control has seen it by then;
   * - the key it replaces stops signing at that moment but stays published for retainAfterRetireSeconds:
   *   the longest token any key can sign (maxTokenLifetimeSeconds, which also bounds the per-client lifetimes)
   *   plus the 120 s during which a stale isolate may still sign with it, rounded up to 25 h.
   */
  keys: {
    /** The cron trigger rotates when the current key of an algorithm is this old (30 days). */
    rotateEverySeconds: 30 * 24 * 3600,
    kvPropagationSeconds: 60,
    /** Cache-Control max-age of the JWKS and of discovery: shorter than activationDelaySeconds. */
    jwksMaxAgeSeconds: 300,
    activationDelaySeconds: 3600,
    /** Upper bound on access-token and ID-token lifetimes, per-client overrides included. */
    maxTokenLifetimeSeconds: 24 * 3600,
    retainAfterRetireSeconds: 25 * 3600,
  },
} as const;

export type SigningAlgorithm = (typeof config.signingAlgorithms)[number];

/** Every claim any scope can release, for discovery's claims_supported. */
export function allScopeClaims(): string[] {
  return Object.values(config.scopeClaims).flat();
}
