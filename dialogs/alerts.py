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
    },
    Language.EN: {
        AlertKind.FORMAL_NOTICE: "Case {case} ({debtor}): formal notice to decide",
        AlertKind.UNREACHABLE: "Case {case} ({debtor}): debtor cannot be reached",
        AlertKind.DELIVERY_FAILED: "Case {case} ({debtor}): reminder not delivered",
        AlertKind.CHANNEL_DOWN: "relance: sending interrupted",
        AlertKind.UNCONFIRMED: "Case {case} ({debtor}): delivery unconfirmed",
    },
}
_BODIES = {
    Language.FR: {
        AlertKind.FORMAL_NOTICE: "Les relances amiables n'ont pas abouti. Le dossier attend votre décision "
                                 "sur l'envoi d'une mise en demeure.",
        AlertKind.UNREACHABLE: "Aucun canal ne permet de joindre ce débiteur (pas d'e-mail valide, pas de "
                               "Telegram). La relance n'a pas été envoyée.",
        AlertKind.DELIVERY_FAILED: "La relance n'a pu être délivrée sur aucun canal.",
        AlertKind.CHANNEL_DOWN: "Un canal d'envoi refuse de fonctionner ; les messages attendent. "
                                "Vérifiez la configuration.",
        AlertKind.UNCONFIRMED: "relance s'est arrêté pendant l'envoi de ce message, après son dernier "
                               "enregistrement. Il est compté comme envoyé, mais sa réception n'est pas "
                               "confirmée : en cas de doute, vérifiez auprès du débiteur.",
    },
    Language.EN: {
        AlertKind.FORMAL_NOTICE: "The amicable reminders have failed. The case awaits your decision on "
                                 "sending a formal notice.",
        AlertKind.UNREACHABLE: "No channel reaches this debtor (no valid email, no Telegram). The reminder "
                               "was not sent.",
        AlertKind.DELIVERY_FAILED: "The reminder could not be delivered on any channel.",
        AlertKind.CHANNEL_DOWN: "A sending channel is failing; messages are waiting. Check the configuration.",
        AlertKind.UNCONFIRMED: "relance stopped while sending this message, after recording it as going out. "
                               "It counts as sent but its receipt is unconfirmed: if in doubt, check with "
                               "the debtor.",
    },
}


def alert_message(alert: Alert, language: Language) -> tuple[str, str]:
    """Subject and text of `alert` for the owner; str.format on our own strings only, data last."""
    subject = _SUBJECTS[language][alert.kind].format(case=alert.case_id, debtor=alert.debtor)
    text = _BODIES[language][alert.kind]
    if alert.detail:
        text += "\n\n" + alert.detail
    return subject, text
