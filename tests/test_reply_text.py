"""The debtor's own words: text or HTML body, quotes of every mail client and signatures removed."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from dialogs.reply_text import forwarded_text, html_to_text, strip_reply, text_body

NEW = "Je vous règle vendredi."


@pytest.mark.parametrize("quoted", [
    "Le jeu. 12 nov. 2026 à 10:15, Atelier Durand <relances@firm.example> a écrit :\n> Bonjour,\n> 1 250,50 €",
    # Gmail wraps a long attribution over two lines
    "Le jeu. 12 nov. 2026 à 10:15, Atelier Durand <\nrelances@firm.example> a écrit :\n> Merci de régler.",
    "On Thu, Nov 12, 2026 at 10:15 AM Atelier Durand <relances@firm.example> wrote:\n> Please pay.",
    "Le 12/11/2026 à 10:15, Atelier Durand a écrit :\n> Bonjour",  # Thunderbird
    "On 12 Nov 2026, at 10:15, Atelier Durand <relances@firm.example> wrote:\n\n> Hello",  # Apple Mail
    "De : Atelier Durand <relances@firm.example>\nEnvoyé : jeudi 12 novembre 2026 10:15\nÀ : x@client.example\n"
    "Objet : Relance\n\nBonjour, merci de régler 1 250,50 €.",
    "________________________________\nFrom: Atelier Durand\nSent: Thursday, November 12, 2026 10:15 AM\n"
    "To: x@client.example\nSubject: Reminder\n\nPlease pay.",
    "From: Atelier Durand Sent: Thursday, November 12, 2026 10:15 AM To: x@client.example",
    "-----Original Message-----\nFrom: Atelier Durand\nPlease pay 1 250,50 €.",
    "-------- Message original --------\nSujet : Relance\nMerci de régler.",
    "-------- Original Message --------\nSubject: Reminder",
    "> Bonjour,\n> merci de régler la facture.",
    "Van: Atelier Durand <relances@firm.example>\nVerzonden: maandag 7 december 2026 09:00\nAan: x@client.example\n"
    "Onderwerp: Invoice awaiting payment: €1,089.00",
    "Von: Atelier Durand <relances@firm.example>\nGesendet: Montag, 7. Dezember 2026 09:00\nAn: x@client.example\n"
    "Betreff: Zahlungserinnerung 1 089,00 €",
])
def test_the_quoted_reminder_is_dropped(quoted):
    assert strip_reply(f"{NEW}\n\n{quoted}\n") == NEW


@pytest.mark.parametrize("signature", [
    "-- \nJean Dupont\n06 12 34 56 78", "Cordialement,\nJean Dupont\nSARL au capital de 10 000 €",
    "Bien cordialement\nJean", "Bien à vous,\nJean", "Best regards,\nJohn", "Regards,\nJohn", "Kind regards\nJohn",
    "Sent from my iPhone", "Envoyé de mon iPhone", "Envoyé depuis mon smartphone Samsung",
    "Get Outlook for iOS", "Thanks,\nJohn", "Sincères salutations,\nJ. D.",
    "Avec nos meilleures salutations\nSandra", 
    "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.\nMe H. Roux\n"
    "Toute utilisation non conforme est interdite.",
    "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.\nHoraires : lundi-vendredi",
])
def test_the_signature_is_dropped(signature):
    assert strip_reply(f"{NEW}\n\n{signature}\n") == NEW


def test_a_bottom_posted_answer_under_quoted_lines_is_kept():
    text = f"Le 23/11/2026 à 09:12, Atelier Durand a écrit :\n> Merci de régler.\n> Cordialement\n\n{NEW}\n\nJ. B."
    assert strip_reply(text) == f"{NEW}\n\nJ. B."


def test_inline_answers_between_quoted_lines_are_kept():
    text = "> Vous nous devez 415 €.\n\nErreur : réglé le 19/11.\n\n> Merci de régler.\n\nJe ne comprends pas."
    assert strip_reply(text) == "Erreur : réglé le 19/11.\n\nJe ne comprends pas."


def test_an_answer_below_an_unquoted_outlook_original_is_found_after_its_signature():
    text = ("________________________________\nFrom: Atelier Durand\nSent: Friday, December 11, 2026\n"
            "Subject: Reminder\n\nPlease pay.\n\nRegards,\nAtelier Durand\nTel. 04 78 12 34 56\n\n"
            "This was included in last week's batch payment.")
    assert strip_reply(text) == "This was included in last week's batch payment."


@pytest.mark.parametrize("pasted", [
    "Madame, Monsieur,\n\nMalgré notre précédent rappel, votre facture reste impayée.\n\n"
    "Relevé de compte au 1 décembre 2026 – Cabinet Nguyen\n- Facture n° F2026-0212 : reste dû 430,00 €",
    "Hello,\n\nAccording to our records, we have not yet received payment.\n\n"
    "Statement of account as at 27 November 2026 – Rosewood Yoga\nTotal outstanding: €540.00",
    "Relevé de compte au 1 décembre 2026 – Cabinet Nguyen\nTotal restant dû : 430,00 €",
])
def test_our_reminder_pasted_back_without_quote_marks_is_dropped(pasted):
    assert strip_reply(f"{NEW}\n\n{pasted}\n") == NEW


def test_the_debtors_own_greeting_above_a_pasted_statement_is_kept():
    text = "Bonjour,\n\nPayé hier.\n\nRelevé de compte au 1 décembre 2026 – Cabinet Nguyen\nTotal : 430 €"
    assert strip_reply(text) == "Bonjour,\n\nPayé hier."


def test_a_lotus_notes_header_starts_the_original():
    notes = "Atelier Durand <relances@firm.example>\n15/12/2026 09:12\n\nA\nx@client.example\n\nObjet\nRelance"
    assert strip_reply(f"{NEW}\n\nLe service économique\n\n{notes}\n") == f"{NEW}\n\nLe service économique"


def test_a_sentence_starting_with_le_is_not_an_attribution():
    text = "Le 15 décembre je vous paierai :\nles 1 250 €."
    assert strip_reply(text) == text


def test_html_becomes_text_and_its_quotes_go():
    html = ("<html><head><style>p{color:red}</style></head><body><div>Bonjour,</div><div>Je paie <b>demain</b>."
            "</div><div class=\"gmail_quote\"><div>Le jeu. 12 nov. a écrit :</div><blockquote>Merci de régler"
            "</blockquote></div><p>Jean</p></body></html>")
    assert html_to_text(html) == "Bonjour,\nJe paie demain.\n> Le jeu. 12 nov. a écrit :\n> > Merci de régler\nJean"
    assert strip_reply(html_to_text(html)) == "Bonjour,\nJe paie demain.\nJean"


def test_outlook_html_ends_at_the_original():
    html = "<p>Paid yesterday.</p><div id=\"divRplyFwdMsg\"><b>From:</b> Atelier</div><p>Please pay</p>"
    assert html_to_text(html) == "Paid yesterday."


def _message(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_text_plain_is_preferred_to_html():
    raw = (b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"\r\nplain words\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html words</p>\r\n--b--\r\n")
    assert text_body(_message(raw)).strip() == "plain words"


def test_an_html_only_message_is_read_as_text():
    raw = b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Paid&nbsp;yesterday &amp; sorry</p>\r\n"
    assert text_body(_message(raw)) == "Paid yesterday & sorry"


def test_an_unknown_charset_is_decoded_leniently():
    raw = b"Content-Type: text/plain; charset=x-klingon\r\n\r\nR\xe9gl\xe9 hier\r\n"
    assert "gl" in text_body(_message(raw))


def test_attachments_only_give_no_text():
    raw = (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n")
    assert text_body(_message(raw)) == ""


def test_a_mailto_link_shows_its_address():
    html = '<p>Écrivez à <a href="mailto:ap@client.example?subject=x">notre comptabilité</a>.</p>'
    assert html_to_text(html) == "Écrivez à notre comptabilité <ap@client.example>."


def test_a_mailto_link_that_shows_its_address_is_not_doubled():
    assert html_to_text('<p><a href="mailto:ap@client.example">ap@client.example</a></p>') == "ap@client.example"


def test_a_forwarded_message_is_its_body_without_headers():
    text = ("Voir ci-dessous.\n\n-------- Message transféré --------\nSujet : Confirmation\n"
            "De : Banque <b@bank.example>\n\nVotre virement de 100,00 EUR a été exécuté.")
    assert forwarded_text(text).strip() == "Votre virement de 100,00 EUR a été exécuté."
    assert forwarded_text("Je paie demain.\n> Le 12 nov. a écrit :") == ""
