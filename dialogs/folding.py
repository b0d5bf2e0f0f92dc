"""Case and accent folding that keeps every character in place, so spans found in folded text are spans
of the original (debtors write "decembre", "Décembre" and "DÉCEMBRE")."""

from __future__ import annotations

from functools import lru_cache

_ACCENTED = "àâäáãåéèêëíìîïóòôöõúùûüýÿçñÀÂÄÁÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÝÇÑ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuyycnaaaaaaeeeeiiiiooooouuuuycn"
_TABLE = str.maketrans(
    _ACCENTED + "ABCDEFGHIJKLMNOPQRSTUVWXYZ\u2019\u2018\u02bc\u00a0\u202f\u2009\u2013\u2014\u00b4`",
    _PLAIN + "abcdefghijklmnopqrstuvwxyz'''   --''",
)


# Each reader of a reply (intents, dates, sums, its language) folds the same text: once is enough.
@lru_cache(maxsize=16)
def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes and spaces made plain; same length as `text`."""
    return text.translate(_TABLE)
