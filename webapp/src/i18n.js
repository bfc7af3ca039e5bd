// The app's words in French (the cooperative's first language) and English, and the formats of
// amounts and dates in the reader's locale: 1 234,50 NXT in French, NXT 1,234.50 in English.

export const WORDS = {
  fr: {
    "nav.request": "Demander",
    "nav.batch": "Versement groupé",
    "nav.staff": "Équipe",
    "staff.title": "L'équipe de la coopérative",
    "staff.roles": "Chaque action est vérifiée par la passerelle avant signature : il faut le rôle qu'elle demande.",
    "staff.admit": "Admettre un membre",
    "staff.line": "Fixer une ligne de crédit",
    "staff.freeze": "Geler un compte",
    "staff.unfreeze": "Dégeler un compte",
    "staff.exclude": "Exclure un membre",
    "staff.writeOff": "Passer une dette en perte",
    "staff.address": "Adresse du membre",
    "staff.kind": "Genre de membre",
    "staff.region": "Région",
    "staff.kyc": "Référence du dossier (seule son empreinte va sur la chaîne)",
    "staff.ceiling": "Plafond",
    "staff.done": "Fait.",
    "batch.title": "Versement groupé (fichier CSV)",
    "batch.file": "Fichier : adresse;montant[;nom], en-têtes en français ou en anglais",
    "batch.check": "Vérifier le fichier",
    "batch.problems": "À corriger avant tout paiement :",
    "batch.refused": "Ligne {line} : {why}",
    "batch.ready": "{count} ligne(s), total {total}, commissions {fees} ; crédit disponible {available}.",
    "batch.short": "Votre crédit disponible ne couvre pas ce total.",
    "batch.pay": "Pour payer : next-wallet batch-pay (le paiement dans la page viendra).",
    "nav.proposals": "Assemblée",
    "request.title": "Demander un paiement",
    "request.make": "Créer le lien et le QR code",
    "request.link": "Lien de paiement (à envoyer, ou à scanner avec l'appareil photo) :",
    "request.qr": "QR code du paiement demandé",
    "allowances.title": "Mes allocations (bonus)",
    "allowances.none": "Aucune allocation en cours.",
    "allowances.item": "{amount} jusqu'au {date}, pour {where}",
    "allowances.soon": "expire dans {days} jour(s) : dépensez-la avant",
    "allowances.any": "toute catégorie",
    "proposals.title": "L'assemblée des membres",
    "proposals.none": "Aucune proposition.",
    "proposals.votes": "pour {for}, contre {against}, abstention {abstain}",
    "proposals.vote": "Connectez-vous pour voter.",
    "vote.for": "Pour",
    "vote.against": "Contre",
    "vote.abstain": "Abstention",
    "vote.done": "Votre vote est compté.",
    "state.pending": "en attente",
    "state.active": "vote ouvert",
    "state.defeated": "rejetée",
    "state.succeeded": "adoptée",
    "state.queued": "programmée",
    "state.executed": "exécutée",
    "state.canceled": "annulée",
    "state.expired": "expirée",
    "nav.health": "La communauté",
    "nav.account": "Mon compte",
    "nav.pay": "Payer",
    "nav.language": "Langue",
    "health.title": "La santé de la communauté",
    "health.members": "Membres",
    "health.circulation": "Circulation",
    "health.credit": "Crédit utilisé",
    "health.reserve": "Réserve d'assurance",
    "health.coverage": "Couverture",
    "health.velocity": "Vélocité (30 jours)",
    "health.fee": "Commission",
    "health.hidden": "masqué (petit groupe)",
    "health.daily": "Volume payé par jour (30 jours)",
    "health.nodays": "Aucun jour à montrer : les jours de moins de 5 payeurs sont masqués.",
    "health.dailycaption": "Du {first} au {last} ; la plus haute barre : {top}.",
    "kind.individual": "particuliers",
    "kind.business": "entreprises",
    "kind.council": "collectivités",
    "kind.system": "comptes du système",
    "signin.title": "Se connecter",
    "signin.keystore": "Fichier de clé (keystore JSON)",
    "signin.password": "Mot de passe",
    "signin.submit": "Ouvrir et se connecter",
    "signin.create": "Créer une nouvelle clé",
    "signin.created": "Nouvelle clé créée : téléchargez son fichier et gardez-le. Adresse :",
    "signin.download": "Télécharger le fichier de clé",
    "signin.local": "La clé ne quitte jamais ce navigateur : la passerelle ne voit que les signatures.",
    "signin.opening": "Déchiffrement de la clé…",
    "signin.signing": "Signature de la connexion…",
    "account.title": "Mon compte",
    "account.balance": "Solde",
    "account.limit": "Limite de crédit",
    "account.available": "Crédit disponible",
    "account.status": "Statut",
    "account.history": "Historique",
    "account.search": "Rechercher",
    "account.export": "Exporter en CSV",
    "account.signout": "Se déconnecter",
    "account.staff": "Cette clé n'a pas de compte : c'est une clé de l'équipe.",
    "history.date": "Date",
    "history.amount": "Montant",
    "history.other": "Avec",
    "history.ref": "Référence",
    "history.none": "Aucun mouvement.",
    "pay.title": "Payer",
    "pay.to": "Adresse du bénéficiaire",
    "pay.amount": "Montant",
    "pay.ref": "Référence (facultative)",
    "pay.check": "Vérifier",
    "pay.confirm": "Signer et envoyer",
    "pay.summary": "Payer {amount} à {to} : commission {fee}, total {total}.",
    "pay.sent": "Envoyé : {hash}. En attente du bloc…",
    "pay.done": "Payé. Nouveau solde : {balance}.",
    "pay.refused": "Refusé : {why}",
    "error.amount": "Montant invalide : écrivez par exemple 12,50.",
    "error.address": "Adresse invalide : 0x suivi de 40 caractères hexadécimaux.",
    "error.password": "Mot de passe incorrect, ou fichier de clé illisible.",
    "error.network": "La passerelle ne répond pas.",
    "error.signin": "Connectez-vous d'abord.",
  },
  en: {
    "nav.request": "Request",
    "nav.batch": "Batch",
    "nav.staff": "Staff",
    "staff.title": "The cooperative's staff",
    "staff.roles": "The gateway checks each action before it is signed: it needs the role it asks for.",
    "staff.admit": "Admit a member",
    "staff.line": "Set a credit line",
    "staff.freeze": "Freeze an account",
    "staff.unfreeze": "Unfreeze an account",
    "staff.exclude": "Exclude a member",
    "staff.writeOff": "Write off a debt",
    "staff.address": "Member's address",
    "staff.kind": "Kind of member",
    "staff.region": "Region",
    "staff.kyc": "The file's reference (only its hash goes on-chain)",
    "staff.ceiling": "Ceiling",
    "staff.done": "Done.",
    "batch.title": "Batch payment (a CSV file)",
    "batch.file": "File: address;amount[;name], French or English headers",
    "batch.check": "Check the file",
    "batch.problems": "To correct before anything is paid:",
    "batch.refused": "Line {line}: {why}",
    "batch.ready": "{count} line(s), total {total}, fees {fees}; available credit {available}.",
    "batch.short": "Your available credit does not cover this total.",
    "batch.pay": "To pay: next-wallet batch-pay (paying in the page comes next).",
    "nav.proposals": "Assembly",
    "request.title": "Request a payment",
    "request.make": "Make the link and QR code",
    "request.link": "Payment link (send it, or scan it with a phone's camera):",
    "request.qr": "QR code of the payment requested",
    "allowances.title": "My bonus allowances",
    "allowances.none": "No live allowance.",
    "allowances.item": "{amount} until {date}, for {where}",
    "allowances.soon": "lapses in {days} day(s): spend it before",
    "allowances.any": "any category",
    "proposals.title": "The members' assembly",
    "proposals.none": "No proposals.",
    "proposals.votes": "for {for}, against {against}, abstaining {abstain}",
    "proposals.vote": "Sign in to vote.",
    "vote.for": "For",
    "vote.against": "Against",
    "vote.abstain": "Abstain",
    "vote.done": "Your vote is counted.",
    "state.pending": "pending",
    "state.active": "voting",
    "state.defeated": "defeated",
    "state.succeeded": "carried",
    "state.queued": "queued",
    "state.executed": "executed",
    "state.canceled": "cancelled",
    "state.expired": "expired",
    "nav.health": "Community",
    "nav.account": "My account",
    "nav.pay": "Pay",
    "nav.language": "Language",
    "health.title": "The community's health",
    "health.members": "Members",
    "health.circulation": "Circulation",
    "health.credit": "Credit in use",
    "health.reserve": "Insurance reserve",
    "health.coverage": "Coverage",
    "health.velocity": "Velocity (30 days)",
    "health.fee": "Fee",
    "health.hidden": "hidden (small group)",
    "health.daily": "Volume paid per day (30 days)",
    "health.nodays": "No day to show: days with fewer than 5 payers are hidden.",
    "health.dailycaption": "From {first} to {last}; the highest bar: {top}.",
    "kind.individual": "individuals",
    "kind.business": "businesses",
    "kind.council": "councils",
    "kind.system": "system accounts",
    "signin.title": "Sign in",
    "signin.keystore": "Key file (JSON keystore)",
    "signin.password": "Password",
    "signin.submit": "Unlock and sign in",
    "signin.create": "Create a new key",
    "signin.created": "New key created: download its file and keep it. Address:",
    "signin.download": "Download the key file",
    "signin.local": "The key never leaves this browser: the gateway only sees signatures.",
    "signin.opening": "Decrypting the key…",
    "signin.signing": "Signing in…",
    "account.title": "My account",
    "account.balance": "Balance",
    "account.limit": "Credit limit",
    "account.available": "Available credit",
    "account.status": "Status",
    "account.history": "History",
    "account.search": "Search",
    "account.export": "Export as CSV",
    "account.signout": "Sign out",
    "account.staff": "This key holds no account: it is a staff key.",
    "history.date": "Date",
    "history.amount": "Amount",
    "history.other": "With",
    "history.ref": "Reference",
    "history.none": "No movements.",
    "pay.title": "Pay",
    "pay.to": "Payee's address",
    "pay.amount": "Amount",
    "pay.ref": "Reference (optional)",
    "pay.check": "Check",
    "pay.confirm": "Sign and send",
    "pay.summary": "Pay {amount} to {to}: fee {fee}, total {total}.",
    "pay.sent": "Sent: {hash}. Waiting for its block…",
    "pay.done": "Paid. New balance: {balance}.",
    "pay.refused": "Refused: {why}",
    "error.amount": "Not an amount: write for example 12.50.",
    "error.address": "Not an address: 0x and 40 hexadecimal digits.",
    "error.password": "Wrong password, or an unreadable key file.",
    "error.network": "The gateway does not answer.",
    "error.signin": "Sign in first.",
  },
};

const LOCALES = { fr: "fr-FR", en: "en-GB" };
let language = localStorage.getItem("language") || (navigator.language || "fr").slice(0, 2);
if (!WORDS[language]) language = "fr";

export function getLanguage() {
  return language;
}

export function setLanguage(next) {
  language = WORDS[next] ? next : "fr";
  localStorage.setItem("language", language);
  document.documentElement.lang = language;
}

/** The sentence `key` in the current language, with {name} filled from `values`. */
export function t(key, values = {}) {
  const text = WORDS[language][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Hundredths as the reader writes money: 1 234,50 NXT (fr) or NXT 1,234.50 (en). */
export function money(hundredths) {
  const value = Number(hundredths) / 100;
  const number = new Intl.NumberFormat(LOCALES[language], { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
  return language === "fr" ? `${number} NXT` : `NXT ${number}`;
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: digits }).format(value);
}

export function date(seconds) {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: "medium", timeStyle: "short" }).format(new Date(seconds * 1000));
}

/**
 * An amount as typed, in hundredths, by the CLI's rules: "12,50", "12.50", "1 234,50"; at most two
 * decimals, thousands grouped by spaces only. null for anything else (never a guess).
 */
export function parseAmount(text) {
  let cleaned = text.trim().replace(/[\u00a0\u202f]/g, " ");
  if (cleaned.includes(" ")) {
    if (!/^\d{1,3}( \d{3})+([.,]\d{1,2})?$/.test(cleaned)) return null;
    cleaned = cleaned.replace(/ /g, "");
  }
  const match = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(cleaned);
  if (!match) return null;
  const hundredths = BigInt(match[1]) * 100n + BigInt((match[2] || "0").padEnd(2, "0"));
  return hundredths > 0n ? hundredths : null;
}
