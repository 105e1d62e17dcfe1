// French (vouvoiement). A narrow no-break space precedes ? : ! as French typography wants.
import type { Messages } from "./messages";

export const fr: Messages = {
  languageName: "Français",

  loginTitle: "Connexion",
  loginHeading: "Connexion",
  loginLead: (client) => `pour continuer vers ${client}`,
  username: "Nom d'utilisateur",
  password: "Mot de passe",
  signIn: "Se connecter",
  cancel: "Annuler",
  wrongPassword: "Nom d'utilisateur ou mot de passe incorrect.",
  throttled: "Trop de tentatives échouées. Réessayez plus tard.",

  consentTitle: "Autoriser l'accès\u202f?",
  consentHeading: (client) => `${client} souhaite accéder à votre compte`,
  consentLead: "Si vous l'autorisez, l'application pourra\u202f:",
  signedInAs: "Connecté en tant que",
  notYou: "Ce n'est pas vous\u202f?",
  allow: "Autoriser",
  deny: "Refuser",
  consentFootnote: "« Refuser » vous ramène à l'application sans rien partager.",
  claimFallback: (claim) => `Votre attribut « ${claim} »`,

  errorTitle: "Erreur de connexion",
  errorHeading: "La connexion ne peut pas continuer",
  errorAdvice: "Retournez à l'application et réessayez.",
  errorCode: "Code d'erreur",

  expiredTitle: "Connexion expirée",
  expiredHeading: "La connexion a pris trop de temps",
  expiredBody: (minutes) => `Pour votre sécurité, une connexion doit être terminée en moins de ${minutes} minutes.`,
  expiredAdvice: "Retournez à l'application et recommencez.",

  formPostTitle: "Retour à l'application",
  continue: "Continuer",
  logoutTitle: "Se déconnecter ?",
  logoutHeading: "Se déconnecter ?",
  logoutAsk: (client) =>
    `${client === undefined ? "Une application" : client} demande à vous déconnecter. Voulez-vous vous déconnecter de votre compte sur cet appareil ?`,
  logoutConfirm: "Se déconnecter",
  logoutStay: "Rester connecté",
  signedOutTitle: "Déconnecté",
  signedOutHeading: "Vous êtes déconnecté",
  stillSignedInTitle: "Toujours connecté",
  stillSignedInHeading: "Vous êtes toujours connecté",
  closeWindow: "Vous pouvez fermer cette fenêtre.",
};
