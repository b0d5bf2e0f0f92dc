"""What arrived, decided before intent: bounces first, then auto-replies, else a person."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.arrival import ArrivalKind
from dialogs.intents import Intent
from dialogs.understanding import understand_email

DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.client.example>
To: relances@firm.example
Subject: Undelivered Mail Returned to Sender
Date: Thu, 12 Nov 2026 10:00:00 +0100
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

This is the mail system at host mx.client.example.
<old.contact@client.example>: host said: 550 5.1.1 User unknown

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example

Final-Recipient: rfc822; old.contact@client.example
Action: failed
Status: 5.1.1

--b--
"""


def _mail(headers: str, body: str) -> bytes:
    return (headers.strip() + "\r\nDate: Thu, 12 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8"
            "\r\n\r\n" + body + "\r\n").encode()


def test_a_delivery_status_notification_is_a_bounce_with_its_failed_address():
    understanding = understand_email(DSN)
    assert (understanding.kind, understanding.intent) == (ArrivalKind.BOUNCE, Intent.BOUNCE)
    assert understanding.failed_recipient == "old.contact@client.example"
    assert understanding.confidence > 0.9


@pytest.mark.parametrize("headers, body, failed", [
    ("From: MAILER-DAEMON@mx.example\nTo: relances@firm.example\nSubject: failure notice",
     "Hi. This is the qmail-send program at mx.example.\nI'm afraid I wasn't able to deliver your message to the "
     "following addresses.\n\n<gone@client.example>:\nSorry, no mailbox here by that name.", "gone@client.example"),
    ("From: postmaster@client.example\nTo: relances@firm.example\nSubject: Non remis : Relance facture",
     "Votre message n'a pas pu être remis à ces destinataires :\n\ncompta@client.example\nL'adresse est introuvable.",
     "compta@client.example"),
    ("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: relances@firm.example\n"
     "Subject: Delivery Status Notification (Failure)",
     "Your message wasn't delivered to nobody@client.example because the address couldn't be found.",
     "nobody@client.example"),
    ("From: Mail Delivery System <Mailer-Daemon@mx.example>\nTo: relances@firm.example\nSubject: Mail delivery failed: "
     "returning message to sender", "This message was created automatically by mail delivery software.\n\n"
     "A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n\n"
     "  ex@client.example\n    mailbox is full", "ex@client.example"),
    # A French ISP's plain-text bounce opens like an auto-reply; it is tested as a bounce first.
    ("From: Serveur de messagerie <MAILER-DAEMON@smtp.isp.example>\nTo: relances@firm.example\n"
     "Subject: Message non délivré", "Ceci est un message automatique du serveur de messagerie.\n\n"
     "Votre message n'a pu être distribué au destinataire suivant :\n\n   gone@isp.example\n"
     "   Raison : boîte aux lettres inexistante.", "gone@isp.example"),
])
def test_a_non_standard_bounce_is_a_bounce_with_its_failed_address(headers, body, failed):
    understanding = understand_email(_mail(headers, body))
    assert (understanding.kind, understanding.failed_recipient) == (ArrivalKind.BOUNCE, failed)


@pytest.mark.parametrize("headers, evidence", [
    ("Auto-Submitted: auto-replied\nSubject: Re: Relance", "Auto-Submitted"),
    ("X-Autoreply: yes\nSubject: Re: Relance", "X-Autoreply"),
    ("X-Autorespond: yes\nSubject: Re: Relance", "X-Autorespond"),
    ("Precedence: bulk\nSubject: Re: Relance", "Precedence"),
    ("Precedence: auto_reply\nSubject: Re: Relance", "Precedence"),
    ("X-MS-Exchange-Inbox-Rules-Loop: x@client.example\nSubject: Re: Relance", "X-MS-Exchange-Inbox-Rules-Loop"),
    ("Subject: Réponse automatique : Relance", "Subject: Réponse automatique"),
    ("Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_Relance?=", "Subject: Réponse automatique"),
    ("Subject: Absence du bureau", "Subject: Absence du bureau"),
    ("Subject: Automatic reply: Reminder", "Subject: Automatic reply"),
    ("Subject: Out of Office: Reminder", "Subject: Out of Office"),
    ("Subject: Auto: Reminder", "Subject: Auto:"),
    ("Subject: Absent(e)", "Subject: Absent(e)"),
])
def test_an_auto_reply_is_known_by_its_headers_or_subject(headers, evidence):
    raw = _mail("From: x@client.example\nTo: relances@firm.example\n" + headers,
                "Je suis absent, de retour le 30 novembre.")
    understanding = understand_email(raw)
    assert (understanding.kind, understanding.intent) == (ArrivalKind.AUTO_REPLY, Intent.AUTO_REPLY)
    assert evidence in understanding.evidence
    assert understanding.back_on == date(2026, 11, 30)


def test_auto_submitted_no_is_a_person():
    raw = _mail("From: x@client.example\nAuto-Submitted: no\nSubject: Re: Relance", "Je vous paierai demain.")
    assert understand_email(raw).kind == ArrivalKind.HUMAN


def test_outlooks_auto_response_suppress_alone_is_a_person():
    raw = _mail("From: x@client.example\nX-Auto-Response-Suppress: All\nSubject: RE: Relance", "Je paie demain.")
    assert understand_email(raw).kind == ArrivalKind.HUMAN


def test_a_reply_whose_subject_speaks_of_an_absence_of_delivery_is_a_person():
    raw = _mail("From: x@client.example\nSubject: Re: Absence de livraison", "Pas de livraison, pas de paiement.")
    assert understand_email(raw).kind == ArrivalKind.HUMAN


def test_an_auto_reply_without_headers_is_known_by_its_words():
    raw = _mail("From: x@client.example\nSubject: Re: Relance",
                "Ceci est une réponse automatique. Je suis absente jusqu'au 29 novembre inclus.")
    understanding = understand_email(raw)
    assert (understanding.kind, understanding.back_on) == (ArrivalKind.AUTO_REPLY, date(2026, 11, 30))


def test_an_absence_with_a_return_date_is_an_auto_reply_without_any_header():
    raw = _mail("From: x@client.example\nSubject: Re: Relance",
                "Je serai de retour le mardi 17 novembre. Pendant mon absence, vos messages ne seront pas transférés.")
    understanding = understand_email(raw)
    assert (understanding.kind, understanding.back_on) == (ArrivalKind.AUTO_REPLY, date(2026, 11, 17))


def test_a_bounce_wins_over_its_auto_submitted_header():
    assert b"Auto-Submitted" in DSN
    assert understand_email(DSN).kind == ArrivalKind.BOUNCE


def test_a_person_mentioning_a_failure_is_still_a_person():
    body = "Votre premier mail n'a pas pu être lu, je paie demain."
    raw = _mail("From: x@client.example\nSubject: Re: Relance", body)
    assert understand_email(raw).kind == ArrivalKind.HUMAN
