"""What the owner is told when a person must decide: one short message per alert, fr or en."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dialogs.parties import Language


class AlertKind(StrEnum):
    FORMAL_NOTICE = "formal_notice"
    UNREACHABLE = "unreachable"
    DELIVERY_FAILED = "delivery_failed"
    CHANNEL_DOWN = "channel_down"
    UNCONFIRMED = "unconfirmed"
    DISPUTE = "dispute"
    PAYMENT_CLAIMED = "payment_claimed"
    PLAN_REQUEST = "plan_request"
    WRONG_CONTACT = "wrong_contact"
    BOUNCED = "bounced"
    REPLY_REVIEW = "reply_review"
    INBOX_DOWN = "inbox_down"
    AMICABLE_FAILED = "amicable_failed"
    TIME_BAR = "time_bar"
    CHAT_STOPPED = "chat_stopped"
    PLAN_BROKEN = "plan_broken"
    PROMISE_BROKEN = "promise_broken"


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    case_id: int | None
    debtor: str  # "C001 Boulangerie Martin"; shown as data, never interpreted
    detail: str = ""


_SUBJECTS = {
    Language.FR: {
        AlertKind.FORMAL_NOTICE: "Dossier {case} ({debtor}) : mise en demeure à décider",
        AlertKind.UNREACHABLE: "Dossier {case} ({debtor}) : débiteur injoignable",
        AlertKind.DELIVERY_FAILED: "Dossier {case} ({debtor}) : relance non délivrée",
        AlertKind.CHANNEL_DOWN: "relance : envoi interrompu",
        AlertKind.UNCONFIRMED: "Dossier {case} ({debtor}) : envoi non confirmé",
        AlertKind.DISPUTE: "Dossier {case} ({debtor}) : facture contestée",
        AlertKind.PAYMENT_CLAIMED: "Dossier {case} ({debtor}) : paiement annoncé, à vérifier",
        AlertKind.PLAN_REQUEST: "Dossier {case} ({debtor}) : demande d'échéancier",
        AlertKind.WRONG_CONTACT: "Dossier {case} ({debtor}) : mauvais interlocuteur",
        AlertKind.BOUNCED: "Dossier {case} ({debtor}) : adresse e-mail en échec",
        AlertKind.REPLY_REVIEW: "Réponse à examiner : {debtor}",
        AlertKind.INBOX_DOWN: "relance : lecture des réponses arrêtée",
        AlertKind.AMICABLE_FAILED: "Dossier {case} ({debtor}) : délai de la mise en demeure expiré",
        AlertKind.TIME_BAR: "Dossier {case} ({debtor}) : prescription proche",
        AlertKind.CHAT_STOPPED: "Dossier {case} ({debtor}) : Telegram arrêté par le débiteur",
        AlertKind.PLAN_BROKEN: "Dossier {case} ({debtor}) : échéancier non respecté",
        AlertKind.PROMISE_BROKEN: "Dossier {case} ({debtor}) : promesse de paiement non tenue",
    },
    Language.EN: {
        AlertKind.FORMAL_NOTICE: "Case {case} ({debtor}): formal notice to decide",
        AlertKind.UNREACHABLE: "Case {case} ({debtor}): debtor cannot be reached",
        AlertKind.DELIVERY_FAILED: "Case {case} ({debtor}): reminder not delivered",
        AlertKind.CHANNEL_DOWN: "relance: sending interrupted",
        AlertKind.UNCONFIRMED: "Case {case} ({debtor}): delivery unconfirmed",
        AlertKind.DISPUTE: "Case {case} ({debtor}): invoice disputed",
        AlertKind.PAYMENT_CLAIMED: "Case {case} ({debtor}): payment claimed, to check",
        AlertKind.PLAN_REQUEST: "Case {case} ({debtor}): payment plan requested",
        AlertKind.WRONG_CONTACT: "Case {case} ({debtor}): wrong contact",
        AlertKind.BOUNCED: "Case {case} ({debtor}): email address bounced",
        AlertKind.REPLY_REVIEW: "Reply to review: {debtor}",
        AlertKind.INBOX_DOWN: "relance: reading replies has stopped",
        AlertKind.AMICABLE_FAILED: "Case {case} ({debtor}): formal notice deadline passed",
        AlertKind.TIME_BAR: "Case {case} ({debtor}): claim nearly time-barred",
        AlertKind.CHAT_STOPPED: "Case {case} ({debtor}): debtor stopped Telegram",
        AlertKind.PLAN_BROKEN: "Case {case} ({debtor}): payment plan broken",
        AlertKind.PROMISE_BROKEN: "Case {case} ({debtor}): promise to pay broken",
    },
}
_BODIES = {
    Language.FR: {
        AlertKind.FORMAL_NOTICE: "Les relances amiables n'ont pas abouti. Le dossier attend votre décision "
                                 "sur l'envoi d'une mise en demeure : `relance notice preview DOSSIER --out "
                                 "md.pdf` pour la relire, `relance notice approve DOSSIER` pour l'envoyer.",
        AlertKind.UNREACHABLE: "Aucun canal ne permet de joindre ce débiteur (pas d'e-mail valide, pas de "
                               "Telegram). La relance n'a pas été envoyée.",
        AlertKind.DELIVERY_FAILED: "La relance n'a pu être délivrée sur aucun canal.",
        AlertKind.CHANNEL_DOWN: "Un canal d'envoi refuse de fonctionner ; les messages attendent. "
                                "Vérifiez la configuration.",
        AlertKind.UNCONFIRMED: "relance s'est arrêté pendant l'envoi de ce message, après son dernier "
                               "enregistrement. Il est compté comme envoyé, mais sa réception n'est pas "
                               "confirmée : en cas de doute, vérifiez auprès du débiteur.",
        AlertKind.DISPUTE: "Le débiteur conteste. Les relances sont suspendues pour les factures concernées "
                           "jusqu'à votre décision. Son message :",
        AlertKind.PAYMENT_CLAIMED: "Le débiteur affirme avoir payé. Les relances attendent quelques jours : "
                                   "vérifiez le paiement et importez-le. Son message :",
        AlertKind.PLAN_REQUEST: "Le débiteur demande à payer en plusieurs fois. Les relances attendent votre "
                                "réponse. Son message :",
        AlertKind.WRONG_CONTACT: "Le destinataire des relances dit ne pas être le bon interlocuteur. Les "
                                 "relances attendent : mettez à jour le contact. Son message :",
        AlertKind.BOUNCED: "Une relance n'a pas pu être remise : l'adresse est marquée invalide et le canal "
                           "suivant est essayé s'il existe.",
        AlertKind.REPLY_REVIEW: "relance n'a pas pu décider seul de la suite à donner à ce message ; rien "
                                "n'a été fait. Le message :",
        AlertKind.INBOX_DOWN: "La lecture de la boîte de réception s'est arrêtée sur une erreur qu'il faut "
                              "corriger (identifiants, dossier). Les réponses des débiteurs attendent.",
        AlertKind.AMICABLE_FAILED: "Le délai laissé par la mise en demeure est passé sans paiement complet : la "
                                   "phase amiable est terminée. La suite (injonction de payer) vous appartient ; "
                                   "`relance case export` prépare le dossier. Date limite :",
        AlertKind.PROMISE_BROKEN: "La date promise (plus le délai de grâce) est passée sans paiement complet : les "
                                  "relances reprennent. Date promise :",
        AlertKind.PLAN_BROKEN: "Une échéance de l'échéancier est restée impayée au-delà du délai de grâce : "
                               "l'échéancier a pris fin (les relances reprennent, ou le dossier attend votre "
                               "décision de mise en demeure, selon [plans] on_broken). Échéance :",
        AlertKind.TIME_BAR: "Une créance de ce dossier approche de la prescription ; une mise en demeure ne "
                            "l'interrompt pas (seule une reconnaissance de dette ou une action en justice) :",
        AlertKind.CHAT_STOPPED: "Le débiteur a envoyé /stop : sa conversation Telegram n'est plus liée au dossier "
                                "et il ne recevra plus rien par Telegram. Le dossier continue par e-mail.",
    },
    Language.EN: {
        AlertKind.FORMAL_NOTICE: "The amicable reminders have failed. The case awaits your decision on "
                                 "sending a formal notice: `relance notice preview CASE --out notice.pdf` to "
                                 "read it, `relance notice approve CASE` to send it.",
        AlertKind.UNREACHABLE: "No channel reaches this debtor (no valid email, no Telegram). The reminder "
                               "was not sent.",
        AlertKind.DELIVERY_FAILED: "The reminder could not be delivered on any channel.",
        AlertKind.CHANNEL_DOWN: "A sending channel is failing; messages are waiting. Check the configuration.",
        AlertKind.UNCONFIRMED: "relance stopped while sending this message, after recording it as going out. "
                               "It counts as sent but its receipt is unconfirmed: if in doubt, check with "
                               "the debtor.",
        AlertKind.DISPUTE: "The debtor disputes. Reminders are suspended for the invoices concerned until you "
                           "decide. Their message:",
        AlertKind.PAYMENT_CLAIMED: "The debtor says they have paid. Reminders wait a few days: check the payment "
                                   "and import it. Their message:",
        AlertKind.PLAN_REQUEST: "The debtor asks to pay in installments. Reminders wait for your answer. "
                                "Their message:",
        AlertKind.WRONG_CONTACT: "The recipient of the reminders says they are the wrong contact. Reminders "
                                 "wait: update the contact. Their message:",
        AlertKind.BOUNCED: "A reminder could not be delivered: the address is marked invalid and the next "
                           "channel is tried if there is one.",
        AlertKind.REPLY_REVIEW: "relance could not decide alone what to do with this message; nothing was "
                                "done. The message:",
        AlertKind.INBOX_DOWN: "Reading the inbox has stopped on an error that needs fixing (credentials, "
                              "folder). Debtors' replies are waiting.",
        AlertKind.AMICABLE_FAILED: "The formal notice's deadline has passed without full payment: the amicable "
                                   "phase is over. What comes next (an order for payment) is yours to decide; "
                                   "`relance case export` prepares the file. Deadline:",
        AlertKind.PROMISE_BROKEN: "The promised date (plus the grace days) has passed without full payment: the "
                                  "reminders resume. Promised date:",
        AlertKind.PLAN_BROKEN: "An installment of the payment plan stayed unpaid beyond the grace days: the plan "
                               "has ended (reminders resume, or the case awaits your formal-notice decision, "
                               "per [plans] on_broken). Installment:",
        AlertKind.TIME_BAR: "A claim in this case is close to being time-barred; a formal notice does not stop "
                            "the clock (only an acknowledgment of the debt or a court action does):",
        AlertKind.CHAT_STOPPED: "The debtor sent /stop: their Telegram chat is no longer linked to the case and "
                                "nothing more goes to them by Telegram. The case goes on by email.",
    },
}


def alert_message(alert: Alert, language: Language) -> tuple[str, str]:
    """Subject and text of `alert` for the owner; str.format on our own strings only, data last."""
    subject = _SUBJECTS[language][alert.kind].format(case=alert.case_id, debtor=alert.debtor)
    text = _BODIES[language][alert.kind]
    if alert.detail:
        text += "\n\n" + alert.detail
    return subject, text
