"""Who a debtor is, as far as the law and the wording of messages care."""

from __future__ import annotations

from enum import StrEnum


class DebtorKind(StrEnum):
    # The law differs: a consumer may never be charged a recovery fee (LEGAL.md, L111-8 CPCE).
    BUSINESS = "business"
    CONSUMER = "consumer"


class Language(StrEnum):
    FR = "fr"
    EN = "en"


class Channel(StrEnum):
    """How a debtor or the owner is reached."""

    EMAIL = "email"
    TELEGRAM = "telegram"
