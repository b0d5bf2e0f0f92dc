"""The demo's scripted debtors, as data: who they are in the sample data, what makes them act, what they do.

Each beat waits for a mail the debtor receives (by its outbox purpose: a ladder step such as "reminder_1",
or an answer such as "answer:plan_offer") or for a promised or planned date, then acts after a delay.
The texts are short replies as debtors write them; `relance parse-reply` reads each one as intended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta


@dataclass(frozen=True, slots=True)
class Reply:
    """An email to the firm's reply address, answering the mail that triggered the beat."""

    text: str
    subject: str = ""  # empty: "Re: " and the subject of the mail answered


@dataclass(frozen=True, slots=True)
class OutOfOffice:
    """An automatic reply (RFC 3834 `Auto-Submitted: auto-replied`) with a return date in it."""

    text: str


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery status notification (RFC 3464): the debtor's mailbox does not exist."""


@dataclass(frozen=True, slots=True)
class PayAll:
    """The bank shows a transfer of the whole balance: the owner imports the payments file."""


@dataclass(frozen=True, slots=True)
class PayOnPromisedDate:
    """The whole balance arrives on the date the debtor promised (the promise on record)."""


@dataclass(frozen=True, slots=True)
class ChoosePlan:
    """An email reply picking, among the numbered options received, the one with `installments`."""

    installments: int
    wording: str  # "{n}" is the option's number


@dataclass(frozen=True, slots=True)
class PayInstallments:
    """The installments of the accepted plan arrive on their dates: all of them, or only the first `only`."""

    only: int | None = None


@dataclass(frozen=True, slots=True)
class ChatPromise:
    """Opens the chat with the link in the reminder, taps "promise a date", then the button `choice`
    (the n-th date offered, 0-based)."""

    choice: int


Act = Reply | OutOfOffice | Bounce | PayAll | PayOnPromisedDate | ChoosePlan | PayInstallments | ChatPromise


@dataclass(frozen=True, slots=True)
class Beat:
    on: str  # the outbox purpose (or its prefix) of the mail that sets this beat off
    act: Act
    after: timedelta = timedelta(0)  # from the mail's arrival, then moved to `at` on that day if given
    at: time | None = None


@dataclass(frozen=True, slots=True)
class Persona:
    ref: str  # the debtor's reference in bot/data/sample_invoices.csv
    role: str  # what the demo shows with them, for the timeline and the report
    beats: tuple[Beat, ...] = ()
    chat_id: int | None = None  # the Telegram chat they open, if they use it
    notice: bool = False  # the demo drafts their formal notice at the end, as the owner would preview it


FIRST_MAIL = ""  # any purpose: the first mail the debtor receives

PERSONAS: tuple[Persona, ...] = (
    Persona("C021", "pays after the first reminder",
            (Beat("reminder_1", PayAll(), after=timedelta(days=1), at=time(11, 0)),)),
    Persona("C003", "promises by email and keeps the promise", (
        Beat(FIRST_MAIL, Reply("Bonjour,\n\nNous réglerons la totalité le 16 novembre.\n\n"
                               "Cordialement,\nSophie Leroy\nCabinet Leroy Architectes\n"),
             after=timedelta(days=1), at=time(10, 12)),
        Beat("answer:promise", PayOnPromisedDate()),
    )),
    Persona("C022", "promises and breaks the promise",
            (Beat("reminder_1", Reply("Bonjour,\nJe vous confirme que nous paierons la facture le 20 novembre.\n"
                                      "Bien à vous,\nMarc Lefèvre\n"), at=time(15, 40)),)),
    Persona("C004", "disputes one invoice",
            (Beat(FIRST_MAIL, Reply("Bonjour,\n\nJe conteste la facture F2026-0012 : la rénovation des chambres "
                                    "n'a pas été terminée.\n\nCordialement,\nLa direction\n"),
                  after=timedelta(days=1), at=time(11, 5)),)),
    Persona("C009", "negotiates a plan in three installments by email and keeps it", (
        Beat(FIRST_MAIL, Reply("Bonjour,\n\nNous traversons une période difficile. Serait-il possible de régler "
                               "en trois fois ?\n\nMerci,\nPaul Girard\n"), after=timedelta(days=1), at=time(9, 30)),
        Beat("answer:plan_offer", ChoosePlan(3, "Bonjour,\n\nNous retenons l'option {n}.\n\nPaul Girard\n"),
             at=time(14, 0)),
        Beat("answer:plan_accepted", PayInstallments()),
    )),
    Persona("C006", "accepts a plan and misses an installment", (
        Beat(FIRST_MAIL, Reply("Bonjour,\n\nPourrions-nous payer en plusieurs fois ?\n\nCordialement,\n"
                               "Imprimerie Moreau\n"), after=timedelta(days=2), at=time(16, 20)),
        Beat("answer:plan_offer", ChoosePlan(3, "Bonjour,\n\nOption {n}, merci.\n"), after=timedelta(days=1),
             at=time(9, 15)),
        Beat("answer:plan_accepted", PayInstallments(only=1)),
    )),
    Persona("C016", "whose address bounces", (Beat(FIRST_MAIL, Bounce(), after=timedelta(minutes=2)),)),
    Persona("C013", "is out of office until a date",
            (Beat(FIRST_MAIL, OutOfOffice("Bonjour,\n\nJe suis absente du bureau et serai de retour le 23 novembre."
                                          "\nPour toute urgence : accueil@lumiere-graphique.example\n"),
                  after=timedelta(minutes=1)),)),
    Persona("C012", "never answers and reaches the formal notice", notice=True),
    Persona("C010", "a consumer: no 40 € indemnity anywhere", notice=True),
    Persona("C023", "links Telegram from a reminder and promises a date with a button", (
        Beat("courtesy", ChatPromise(choice=1), at=time(12, 30)),
        Beat("answer:promise", PayOnPromisedDate()),
    ), chat_id=7_000_023),
)
