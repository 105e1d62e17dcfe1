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

  /** Passkeys and the second factor (the login and second-factor pages). */
  readonly factors: FactorMessages;
  /** The account page. */
  readonly account: AccountMessages;
}

interface FactorMessages {
  readonly passkeySignIn: string;
  readonly or: string;
  readonly passkeyFailed: string;
  /** The browser's passkey prompt was closed or failed (shown by the page's script). */
  readonly passkeyCancelled: string;
  readonly expired: string;
  readonly title: string;
  readonly heading: string;
  readonly lead: (client: string) => string;
  readonly totpLabel: string;
  readonly verify: string;
  readonly usePasskey: string;
  readonly useRecoveryCode: string;
  readonly recoveryCodeLabel: string;
  readonly wrongCode: string;
  readonly codeThrottled: string;
  readonly noSecondFactor: string;
  readonly openAccount: string;
}

interface AccountMessages {
  readonly title: string;
  readonly heading: string;
  readonly lead: (user: string) => string;
  readonly signOut: string;
  readonly sessions: string;
  readonly thisDevice: string;
  readonly unknownDevice: string;
  readonly signedInAt: (when: string) => string;
  readonly endSession: string;
  readonly endAllSessions: string;
  readonly passkeys: string;
  readonly passkeysLead: string;
  readonly noPasskeys: string;
  readonly addPasskey: string;
  readonly passkeyName: string;
  readonly rename: string;
  readonly remove: string;
  readonly synced: string;
  readonly lastUsed: (when: string) => string;
  readonly never: string;
  readonly authenticatorApp: string;
  readonly totpOn: string;
  readonly totpOff: string;
  readonly setUpApp: string;
  readonly scanQr: string;
  readonly enterManually: string;
  readonly confirmCode: string;
  readonly confirm: string;
  readonly removeApp: string;
  readonly recoveryCodes: string;
  readonly recoveryCodesLeft: (count: number) => string;
  readonly newRecoveryCodes: string;
  readonly recoveryCodesOnce: string;
  readonly apps: string;
  readonly noApps: string;
  readonly revokeAccess: string;
  readonly passwordHeading: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly changePassword: string;
  readonly passwordChanged: string;
  readonly passwordRules: string;
  readonly wrongCurrentPassword: string;
  readonly done: string;
  readonly failed: string;
  readonly offerTitle: string;
  readonly offerHeading: string;
  readonly offerLead: string;
  readonly notNow: string;
}
