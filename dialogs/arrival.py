"""What arrived: a bounce, an auto-reply, or a person's reply — decided before any reading of intent,
since many bounces carry auto-reply headers too (TESTING.md, "Understanding replies")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from flufl.bounce import all_failures

from dialogs.folding import fold
from dialogs.headers import RawHeaders


class ArrivalKind(StrEnum):
    HUMAN = "human"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


@dataclass(frozen=True, slots=True)
class Arrival:
    kind: ArrivalKind
    confidence: float
    # Header names or the phrases of the message that decided it.
    evidence: tuple[str, ...]
    failed_recipient: str | None = None


ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_DAEMONS = re.compile(r"^(?:mailer-daemon|mailer_daemon|mailerdaemon|postmaster|mail-daemon|maildaemon|"
                      r"mail\.delivery|bounces?|noreply-dsn|microsoftexchange\w*)@", re.IGNORECASE)
_DAEMON_NAMES = re.compile(r"(?i)mail delivery (?:system|subsystem)|mailer-daemon|postmaster")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|mail delivery fail|delivery fail|failure notice|returned mail|"
    r"returned to sender|non remis|non distribu|echec de (?:la )?(?:remise|livraison|distribution)|"
    r"notification d'etat de (?:la )?remise|could not be delivered|delivery has failed|mail system error|"
    r"message not delivered|rapport de non-remise|impossible de remettre|non delivre|not delivered")
_BOUNCE_BODY = re.compile(
    r"this is the qmail-send program|n'a (?:pas )?pu etre (?:remis|distribue|delivre|livre|transmis)|could not be "
    r"delivered|delivery to the following recipients? (?:failed|has failed)|permanent(?:ly)? (?:error|fatal|failed)|"
    r"user unknown|unknown user|no such user|mailbox (?:unavailable|not found|is full|full|does not exist)|"
    r"address (?:not found|rejected)|adresse (?:introuvable|inconnue)|utilisateur inconnu|destinataire inconnu|"
    r"i'm sorry to have to inform you|\b55\d[ -]\d\.\d\.\d|had permanent fatal errors|"
    r"votre message n'a pas pu|your message (?:could not|wasn't|was not) (?:be )?delivered|"
    r"message you sent (?:could not|has not)|le message suivant n'a pas pu|"
    r"boite (?:aux lettres|mail) (?:inexistante|pleine|desactivee|introuvable)|message non (?:distribue|remis|delivre)|"
    r"logiciel de remise du courrier")
_QMAIL = "this is the qmail-send program"
# The failed address as non-standard bounces state it.
_FAILED_AT = (
    re.compile(r"(?im)^(?:final|original)-recipient:\s*rfc822;\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$"),
    re.compile(r"(?m)^\s*<([^\s<>]+@[^\s<>]+)>:"),
    re.compile(r"(?i)(?:remis|delivered|livre|distribue|transmis)\s+(?:a|to)\s*:?\s*<?([\w.+'-]+@[\w.-]+\w)"),
    re.compile(r"(?i)(?:recipients?|destinataires?)\s*:?\s*\n?\s*<?([\w.+'-]+@[\w.-]+\w)"),
)

_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-MS-Exchange-Inbox-Rules-Loop",
                 "X-Auto-Reply-From")
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:reponse automatique|reponse auto\b|absence du bureau|absente? du bureau|automatic reply|"
    r"auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office|auto\s*:|autoreply|message d'absence|"
    r"absence\s*:|absente?\s*:|absent\(e\)|on vacation|on leave|en conges|away from (?:the )?office|"
    r"i am out of the office|"
    r"i'm out of the office)")
_AUTO_BODY = re.compile(
    r"\b(?:ceci est (?:un message|une reponse) automatique|message (?:genere )?automatique|reponse automatique|"
    r"this is an? (?:automatic|automated|auto-generated) (?:reply|response|message)|automatic reply|auto-reply)\b")
_ABSENT_BODY = re.compile(
    r"\b(?:je suis (?:actuellement )?(?:absente?|en conges|en deplacement|en vacances)|je serai absente?|"
    r"pendant mon absence|during my absence|"
    r"(?:i am|i'm) (?:currently )?(?:out of (?:the )?office|away|on (?:annual )?(?:leave|holiday|vacation)))\b")
_DELIVERY_REPORT = re.compile(r"(?i)^\s*multipart/report\b.*\breport-type\s*=\s*\"?delivery-status")
_RETURN_WORDS = re.compile(r"\b(?:de retour|back (?:on|in)|return on|returning on|retour (?:le|prevu))\b")


def classify_arrival(msg: Message, body: str, headers: RawHeaders | None = None) -> Arrival:
    """Bounce, auto-reply or human, with the evidence; `body` is the message's text body."""
    headers = headers or RawHeaders(msg)
    sender = parseaddr(headers.text("From"))
    subject = _Text(headers.text("Subject"))
    head = _Text(body[:3000])
    bounce = _bounce(msg, headers, sender, subject, head)
    if bounce is not None:
        return bounce
    return _auto_reply(headers, subject, head) or Arrival(ArrivalKind.HUMAN, 1.0, ())


class _Text:
    """A text and its folded twin, so a match on the folded one quotes the original words."""

    def __init__(self, text: str) -> None:
        self.text, self.folded = text, fold(text)

    def quote(self, m: re.Match[str]) -> str:
        return self.text[m.start():m.end()].strip()


def _bounce(msg: Message, headers: RawHeaders, sender: tuple[str, str], subject: _Text,
            head: _Text) -> Arrival | None:
    evidence: list[str] = []
    score = 0
    if _DELIVERY_REPORT.match(headers.first("Content-Type")):
        evidence.append("Content-Type: multipart/report; report-type=delivery-status")
        score += 3
    if _DAEMONS.match(sender[1]) or _DAEMON_NAMES.search(sender[0]):
        evidence.append("From: " + (sender[1] or sender[0]))
        score += 2
    if m := _BOUNCE_SUBJECT.search(subject.folded):
        evidence.append("Subject: " + subject.quote(m))
        score += 2
    if m := _BOUNCE_BODY.search(head.folded):
        evidence.append(head.quote(m))
        score += 3 if m.group() == _QMAIL else 1
    if score < 3:
        return None
    return Arrival(ArrivalKind.BOUNCE, 0.97 if score >= 4 else 0.8, tuple(evidence),
                   failed_recipient(msg, headers, sender[1]))


def failed_recipient(msg: Message, headers: RawHeaders, bounce_sender: str = "") -> str | None:
    """The address that could not be reached, from the DSN (via flufl.bounce) or the bounce's words."""
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # a detector choking on a malformed bounce must not lose the bounce itself
        temporary, permanent = set(), set()
    for found in (permanent, temporary):
        addresses = sorted(a.decode("ascii", "replace") if isinstance(a, bytes) else str(a) for a in found)
        if addresses:
            return addresses[0].strip("<>").lower()
    ours = {a.lower() for _, a in getaddresses(headers.all("To") + headers.all("Cc")) if a}
    ours.add(bounce_sender.lower())
    text = _all_text(msg)
    for pattern in _FAILED_AT:
        for m in pattern.finditer(text):
            address = m.group(1).strip(".").lower()
            if address not in ours and not _DAEMONS.match(address):
                return address
    for m in ADDRESS.finditer(text):
        address = m.group().lower()
        if address not in ours and not _DAEMONS.match(address):
            return address
    return None


def _all_text(msg: Message) -> str:
    """Every text-like part, decoded leniently: bounces hide the address in odd places."""
    chunks = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() not in ("text", "message"):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            chunks.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace")
                          if _known_charset(part.get_content_charset()) else payload.decode("utf-8", "replace"))
    return "\n".join(chunks)


def _known_charset(name: str | None) -> bool:
    if name is None:
        return False
    try:
        "".encode(name)
    except LookupError:
        return False
    return True


def _auto_reply(headers: RawHeaders, subject: _Text, head: _Text) -> Arrival | None:
    evidence: list[str] = []
    auto_submitted = headers.first("Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):  # RFC 3834 §5
        evidence.append("Auto-Submitted")
    evidence.extend(name for name in _AUTO_HEADERS if headers.first(name))
    if headers.first("Precedence").lower() in ("auto_reply", "bulk", "junk"):
        evidence.append("Precedence")
    if m := _AUTO_SUBJECT.match(subject.folded):
        evidence.append("Subject: " + subject.quote(m))
    if evidence:
        return Arrival(ArrivalKind.AUTO_REPLY, 0.95, tuple(evidence))
    # No header and an ordinary subject: only the words of an auto-reply about itself count, or an
    # absence announced together with a return date.
    if m := _AUTO_BODY.search(head.folded):
        return Arrival(ArrivalKind.AUTO_REPLY, 0.8, (head.quote(m),))
    absent, back = _ABSENT_BODY.search(head.folded), _RETURN_WORDS.search(head.folded)
    if absent and back:
        return Arrival(ArrivalKind.AUTO_REPLY, 0.7, (head.quote(absent), head.quote(back)))
    return None
