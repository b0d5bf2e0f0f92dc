"""Header values read raw and decoded only as far as needed: the email package's parsed headers
(policy.default) cost more than all the rest of understanding a reply, and they raise on some
malformed values."""

from __future__ import annotations

import re
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.policy import EmailPolicy
from functools import lru_cache

_FOLDING = re.compile(r"\r?\n[ \t]*")
# Values longer than this (a 1 MB header) are parsed each time rather than kept.
_CACHED_LENGTH = 2000


class ReadingPolicy(EmailPolicy):
    """policy.default, with each parsed header kept for the next read of the same value.

    policy.default parses a header again at every read, and the email package reads Content-Type a dozen
    times per message (while parsing, and in get_body, get_content, walk): that re-parsing was a third of
    the cost of understanding a reply. Parsed headers are immutable, so sharing one is safe.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name") or len(value) > _CACHED_LENGTH:
            return super().header_fetch_parse(name, value)
        return _parsed(name, value)


@lru_cache(maxsize=256)
def _parsed(name: str, value: str) -> str:
    return policy.default.header_fetch_parse(name, value)


READING = ReadingPolicy()


class RawHeaders:
    """The headers of one message by lower-case name, unfolded, as they were sent."""

    def __init__(self, msg: Message) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self._values.setdefault(name.lower(), []).append(_FOLDING.sub(" ", _eight_bit(str(value))).strip())

    def first(self, name: str) -> str:
        values = self._values.get(name.lower())
        return values[0] if values else ""

    def all(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])

    def text(self, name: str) -> str:
        """The first value with RFC 2047 encoded words decoded ("=?utf-8?q?R=C3=A9ponse?=" → "Réponse")."""
        return decoded(self.first(name))


def _eight_bit(value: str) -> str:
    """Raw 8-bit bytes in a header (against RFC 5322, yet common) reach us as surrogate escapes."""
    if value.isascii() or not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def decoded(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeError):  # an unknown charset or a broken word: keep it raw
        return value
