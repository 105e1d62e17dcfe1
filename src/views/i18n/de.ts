// German (formal address).
import type { Messages } from "./messages";

export const de: Messages = {
  languageName: "Deutsch",

  loginTitle: "Anmelden",
  loginHeading: "Anmelden",
  loginLead: (client) => `um mit ${client} fortzufahren`,
  username: "Benutzername",
  password: "Passwort",
  signIn: "Anmelden",
  cancel: "Abbrechen",
  wrongPassword: "Benutzername oder Passwort ist falsch.",
  throttled: "Zu viele fehlgeschlagene Versuche. Versuchen Sie es später erneut.",

  consentTitle: "Zugriff erlauben?",
  consentHeading: (client) => `${client} möchte auf Ihr Konto zugreifen`,
  consentLead: "Wenn Sie zustimmen, erhält die Anwendung Folgendes:",
  signedInAs: "Angemeldet als",
  notYou: "Nicht Sie?",
  allow: "Erlauben",
  deny: "Ablehnen",
  consentFootnote: "Mit „Ablehnen“ kehren Sie zur Anwendung zurück, ohne etwas freizugeben.",
  claimFallback: (claim) => `Ihr Attribut „${claim}“`,

  errorTitle: "Anmeldefehler",
  errorHeading: "Die Anmeldung kann nicht fortgesetzt werden",
  errorAdvice: "Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.",
  errorCode: "Fehlercode",

  expiredTitle: "Anmeldung abgelaufen",
  expiredHeading: "Die Anmeldung hat zu lange gedauert",
  expiredBody: (minutes) =>
    `Zu Ihrer Sicherheit muss eine Anmeldung innerhalb von ${minutes} Minuten abgeschlossen werden.`,
  expiredAdvice: "Kehren Sie zur Anwendung zurück und beginnen Sie erneut.",

  formPostTitle: "Zurück zur Anwendung",
  continue: "Weiter",
  logoutTitle: "Abmelden?",
  logoutHeading: "Abmelden?",
  logoutAsk: (client) =>
    `${client === undefined ? "Eine Anwendung" : client} möchte Sie abmelden. Möchten Sie sich auf diesem Gerät von Ihrem Konto abmelden?`,
  logoutConfirm: "Abmelden",
  logoutStay: "Angemeldet bleiben",
  signedOutTitle: "Abgemeldet",
  signedOutHeading: "Sie haben sich abgemeldet",
  stillSignedInTitle: "Weiterhin angemeldet",
  stillSignedInHeading: "Sie sind weiterhin angemeldet",
  closeWindow: "Sie können dieses Fenster schließen.",
};
