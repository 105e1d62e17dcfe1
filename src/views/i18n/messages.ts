// Every sentence of the pages, one catalogue per language (en.ts, de.ts, fr.ts). Each catalogue is typed
// `Messages`, so a key missing from one language fails the typecheck. Values are plain text: the views escape them.

export interface Messages {
  /** The language's own name, for the document (not shown). */
  readonly languageName: string;

  readonly loginTitle: string;
  readonly loginHeading: string;
  readonly loginLead: (client: string) => string;
  readonly username: string;
  readonly password: string;
  readonly signIn: string;
  readonly cancel: string;
  readonly wrongPassword: string;
  /** Says nothing of whether the account exists: the throttle also counts unknown usernames. */
  readonly throttled: string;

  readonly consentTitle: string;
  readonly consentHeading: (client: string) => string;
  readonly consentLead: string;
  readonly signedInAs: string;
  readonly notYou: string;
  readonly allow: string;
  readonly deny: string;
  readonly consentFootnote: string;
  /** A claim asked for by name that has no description of its own. */
  readonly claimFallback: (claim: string) => string;

  readonly errorTitle: string;
  readonly errorHeading: string;
  readonly errorAdvice: string;
  readonly errorCode: string;

  readonly expiredTitle: string;
  readonly expiredHeading: string;
  readonly expiredBody: (minutes: number) => string;
  readonly expiredAdvice: string;

  readonly formPostTitle: string;
  readonly continue: string;

  readonly logoutTitle: string;
  readonly logoutHeading: string;
  readonly logoutAsk: (client: string | undefined) => string;
  readonly logoutConfirm: string;
  readonly logoutStay: string;
  readonly signedOutTitle: string;
  readonly signedOutHeading: string;
  readonly stillSignedInTitle: string;
  readonly stillSignedInHeading: string;
  readonly closeWindow: string;
}
