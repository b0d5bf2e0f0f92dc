"""The debtor's own words in a reply: the text body, without the quoted reminder and the signature."""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from html.parser import HTMLParser

# A quote starts at any of these lines; everything from there on is someone else's text.
_SEPARATOR = re.compile(
    r"(?i)^[-_=\s]*(?:original message|message original|mail original|message d'origine|"
    r"forwarded message|message transf[ée]r[ée]|courriel original)[-_=\s]*$"
    r"|^(?:d[ée]but du message r[ée]exp[ée]di[ée]|begin forwarded message)\s*:?\s*$"
    r"|^_{10,}\s*$")
# Gmail, Apple Mail, Thunderbird: "Le mar. 12 nov. 2026 à 10:15, X <x@y> a écrit :", which Gmail
# wraps over two or three lines when the sender's name is long.
_ATTRIBUTION_START = re.compile(r"(?i)^(?:le|on)\s")
_ATTRIBUTION = re.compile(r"(?is)^(?:le|on)\s.{0,300}?(?:a\s+[ée]crit|wrote)\s*:$")
# Outlook: "De : X" then "Envoyé : …" / "À : …" on the next lines (or all on one line, "From: X Sent: …").
# Dutch and German Outlooks write "Van: / Verzonden: / Aan: / Onderwerp:" and "Von: / Gesendet: / An: / Betreff:".
_HEADER_FROM = re.compile(r"(?i)^\*?(?:de|from|exp[ée]diteur|van|von)\s*:\*?\s*\S")
_HEADER_FIELD = re.compile(r"(?i)^\*?(?:envoy[ée]|sent|date|[àa]|to|objet|subject|cc|verzonden|aan|onderwerp|"
                           r"gesendet|an|betreff)\s*:")
_INLINE_SENT = re.compile(r"(?i)\b(?:sent|envoy[ée]|verzonden|gesendet)\s*:")
# Lotus/HCL Notes: "Atelier Durand <relances@firm.example>" then "15/12/2026 09:12" on the next lines.
_NOTES_FROM = re.compile(r"^[^<>:]{1,80}<[^<>@\s]+@[^<>\s]+>$")
_NOTES_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\s+\d{1,2}:\d{2}")
# Our own reminder pasted back without any quote mark (a phone, a webmail's "edit as new"): every
# template prints this statement heading under one of these greetings (templates/*/_layout.txt.j2).
_OUR_STATEMENT = re.compile(r"(?i)^(?:relev[ée] de compte au|statement of account as at)\b")
_OUR_GREETING = re.compile(r"(?i)^(?:bonjour|madame,\s*monsieur|hello|dear sir or madam)\s*,$")

# A signature starts at a sign-off alone on its line (maybe followed by the name), at the "-- "
# delimiter (RFC 3676 §4.3), or at a phone's "Sent from my iPhone".
_SIGNOFF = re.compile(
    r"(?i)^(?:--\s*$"
    r"|(?:bien |tr[èe]s |tr[èe]s bien )?cordialement\b|cdlt\b|bien [àa] (?:vous|toi)\b"
    r"|(?:avec )?(?:nos |mes )?(?:sinc[èe]res |meilleures |bien sinc[èe]res )?salutations\b"
    r"|(?:je vous prie|nous vous prions|veuillez),? d[’']agr[ée]er\b|veuillez agr[ée]er\b"
    r"|(?:best|kind|warm|warmest|many)?\s*regards\b|best wishes\b|(?:yours )?sincerely\b|yours faithfully\b"
    r"|(?:best|cheers|thanks|many thanks|merci|merci beaucoup|bonne journ[ée]e|belle journ[ée]e)[\s,.!]*$"
    r"|(?:sent|envoy[ée]) (?:from|de|depuis) (?:my|mon|ma)\b|get outlook for\b|obtenir outlook pour\b"
    r"|t[ée]l[ée]charg(?:er|ez) outlook\b)")
_QUOTED_LINE = re.compile(r"^\s*>")
_BLANK_RUN = re.compile(r"\n{3,}")


def text_body(msg: Message) -> str:
    """The text a person reads: text/plain when there is one, else the HTML as text; "" when neither.

    Never raises: an unknown charset or a broken transfer encoding is decoded leniently.
    """
    try:
        part = msg.get_body(preferencelist=("plain", "html")) if isinstance(msg, EmailMessage) else None
    except Exception:  # a malformed MIME tree: read what the top part holds
        part = None
    if part is None:
        part = msg if msg.get_content_maintype() == "text" else None
    if part is None:
        return ""
    text = _decoded(part)
    return html_to_text(text) if part.get_content_subtype() == "html" else text


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:  # unknown charset (LookupError), bad base64, defects the policy refuses
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return payload if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


class _HtmlText(HTMLParser):
    """Block-aware HTML to text; blockquotes become "> " lines so the quote stripping sees them."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr", "blockquote"})
    _SKIPPED = frozenset({"script", "style", "head", "title"})
    # Containers of a quoted original (the sender may write after them, bottom-posting) ...
    _QUOTE_CONTAINERS = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote")
    # ... and Outlook's markers, after which everything is the original.
    _ORIGINAL_MARKERS = ("divrplyfwdmsg", "appendonsend", "stopspelling")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0
        self.skipping = 0
        self.done = False
        self.container: str | None = None  # the tag of the open quote container
        self.container_level = 0
        self.mailto: tuple[str, int] | None = None  # an open <a href="mailto:…">: its address, where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag in self._SKIPPED:
            self.skipping += 1
        if tag in self._BLOCKS:
            self._flush()
        if tag == self.container:
            self.container_level += 1
        marker = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        if marker and self.container is None:
            if any(m in marker for m in self._ORIGINAL_MARKERS):
                self.done = True
                return
            if any(m in marker for m in self._QUOTE_CONTAINERS):
                self.container, self.container_level = tag, 1
                self.depth += 1
        if tag == "blockquote":
            self.depth += 1
        href = next((v for k, v in attrs if k == "href" and v), "")
        if tag == "a" and href.lower().startswith("mailto:"):
            self.mailto = (href[7:].split("?")[0].strip(), len(self.current))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.mailto is not None:
            # "<a href="mailto:creanciers@…">service des créanciers</a>": the address is what a reader would use.
            address, since = self.mailto
            self.mailto = None
            if address and not self.done and not self.skipping and address not in "".join(self.current[since:]):
                self.current.append(f" <{address}>")
        if tag in self._SKIPPED and self.skipping:
            self.skipping -= 1
        if tag in self._BLOCKS:
            self._flush()
        if tag == "blockquote" and self.depth:
            self.depth -= 1
        if tag == self.container:
            self.container_level -= 1
            if self.container_level == 0:
                self.container = None
                self.depth = max(0, self.depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.done and not self.skipping:
            self.current.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        self.current = []
        if line:
            self.lines.append("> " * self.depth + line)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one block per line; quoted originals dropped or marked "> "."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient, but a reply must never fail on its markup
        pass
    parser._flush()
    return "\n".join(parser.lines)


def strip_reply(text: str) -> str:
    """What the sender wrote: without quoted lines, attributions, forwarded originals and signature.

    Works for top-posting, bottom-posting and inline answers: "> " lines and "Le … a écrit :" are
    dropped wherever they are; an unquoted original (Outlook's "De : … Envoyé :", "-----Original
    Message-----") ends the text, since nothing after it can be told apart from the sender's words.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    pasted = _pasted_reminder(lines)
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if _QUOTED_LINE.match(line):
            i += 1
            continue
        if stripped and (i == pasted or _starts_original(stripped, lines, i)):
            if not any(k.strip() for k in kept):
                return _below_original(lines[i + 1:])
            break
        attribution = _attribution_end(stripped, lines, i) if stripped else None
        if attribution is not None:
            i = attribution + 1
            continue
        if any(k.strip() for k in kept) and _SIGNOFF.match(stripped):
            break
        kept.append(line.rstrip())
        i += 1
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip()


_FORWARD = re.compile(r"(?i)^[-_=\s]*(?:forwarded message|message transf[ée]r[ée]|"
                      r"d[ée]but du message r[ée]exp[ée]di[ée]|begin forwarded message)[-_=\s:]*$")
_FORWARD_HEADER = re.compile(r"(?i)^(?:de|from|date|sujet|subject|objet|pour|to|[àa]|cc|envoy[ée]|sent)\s*:")


def forwarded_text(text: str) -> str:
    """The body of a message forwarded below the sender's words (a bank's confirmation), without its
    header lines; "" when nothing was forwarded. A reply's quoted reminder is not a forward."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if _FORWARD.match(line.strip())), None)
    if start is None:
        return ""
    return "\n".join(line for line in lines[start + 1:] if not _FORWARD_HEADER.match(line.strip()))


def _below_original(lines: list[str]) -> str:
    """Bottom-posting under an unquoted original: the sender's words follow the original's signature
    block, after the first blank line below its last sign-off; "" when the original has no sign-off."""
    signoffs = [i for i, line in enumerate(lines) if _SIGNOFF.match(line.strip()) and line.strip() != "--"]
    if not signoffs:
        return ""
    blank = next((i for i in range(signoffs[-1] + 1, len(lines)) if not lines[i].strip()), None)
    return strip_reply("\n".join(lines[blank + 1:])) if blank is not None else ""


def _attribution_end(stripped: str, lines: list[str], i: int) -> int | None:
    """The last line of a "Le … a écrit :" / "On … wrote:" starting at line i, or None."""
    if not _ATTRIBUTION_START.match(stripped):
        return None
    # It must end a line: "Le 15 je paie, Paul a écrit : ok" is no attribution.
    for last in range(i, min(i + 3, len(lines))):
        if lines[last].rstrip().endswith(":") and _ATTRIBUTION.match(
                " ".join(line.strip() for line in lines[i:last + 1])):
            return last
    return None


def _pasted_reminder(lines: list[str]) -> int | None:
    """The first line of our own reminder pasted back unquoted: its greeting, else its statement heading."""
    statement = next((i for i, line in enumerate(lines) if _OUR_STATEMENT.match(line.strip())), None)
    if statement is None:
        return None
    first = next(i for i, line in enumerate(lines) if line.strip())
    # The debtor's own "Bonjour," opens the message; ours comes after their words.
    greetings = [i for i in range(max(first + 1, statement - 8), statement) if _OUR_GREETING.match(lines[i].strip())]
    return greetings[-1] if greetings else statement


def _starts_original(stripped: str, lines: list[str], i: int) -> bool:
    if _SEPARATOR.match(stripped):
        return True
    if _NOTES_FROM.match(stripped):
        return any(_NOTES_DATE.match(line.strip()) for line in lines[i + 1:i + 3])
    if _HEADER_FROM.match(stripped):
        if _INLINE_SENT.search(stripped):
            return True
        return any(_HEADER_FIELD.match(line.strip()) for line in lines[i + 1:i + 5])
    return False

