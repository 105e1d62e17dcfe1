// English: the fallback language.
import type { Messages } from "./messages";

export const en: Messages = {
  languageName: "English",

  loginTitle: "Sign in",
  loginHeading: "Sign in",
  loginLead: (client) => `to continue to ${client}`,
  username: "Username",
  password: "Password",
  signIn: "Sign in",
  cancel: "Cancel",
  wrongPassword: "Wrong username or password.",
  throttled: "Too many failed attempts. Try again later.",

  consentTitle: "Allow access?",
  consentHeading: (client) => `${client} wants to access your account`,
  consentLead: "If you allow it, it will be able to:",
  signedInAs: "Signed in as",
  notYou: "Not you?",
  allow: "Allow",
  deny: "Deny",
  consentFootnote: "Deny returns you to the application without sharing anything.",
  claimFallback: (claim) => `Your ${claim}`,

  errorTitle: "Sign-in error",
  errorHeading: "Sign-in cannot continue",
  errorAdvice: "Return to the application and try again.",
  errorCode: "Error code",

  expiredTitle: "Sign-in expired",
  expiredHeading: "This sign-in took too long",
  expiredBody: (minutes) => `For your security, a sign-in has to be finished within ${minutes} minutes.`,
  expiredAdvice: "Go back to the application and start again.",

  formPostTitle: "Returning to the application",
  continue: "Continue",
  logoutTitle: "Sign out?",
  logoutHeading: "Sign out?",
  logoutAsk: (client) =>
    `${client === undefined ? "An application" : client} asks to sign you out. Do you want to sign out of your account on this device?`,
  logoutConfirm: "Sign out",
  logoutStay: "Stay signed in",
  signedOutTitle: "Signed out",
  signedOutHeading: "You have signed out",
  stillSignedInTitle: "Still signed in",
  stillSignedInHeading: "You are still signed in",
  closeWindow: "You can close this window.",
};
