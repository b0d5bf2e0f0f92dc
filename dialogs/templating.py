"""The Jinja2 environment messages are written in: the owner's templates first, then ours; locale filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_percent
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from dialogs.formatting import LOCALES, format_date, format_money
from dialogs.parties import Language

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"


def template_environment(override_dir: Path | None = None) -> Environment:
    """Templates are looked up as "<language>/<name>.<part>.j2", in `override_dir` first, then built in.

    Build it once at start-up and pass it down. Files ending in .html.j2 are autoescaped; the
    subject and text parts are not (they are never read as HTML). An undefined variable is an error.
    """
    loaders = []
    if override_dir is not None:
        if not override_dir.is_dir():
            raise FileNotFoundError(f"template folder {override_dir} does not exist")
        loaders.append(FileSystemLoader(override_dir))
    loaders.append(FileSystemLoader(BUILTIN_TEMPLATES))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False, default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates are read once per process; no stat() per message
    )
    env.filters.update(money=_money, date=_date, percent=_percent, days=_days, nl2br=_nl2br)
    return env


# The filters read the reader's language (and the statement's currency) from the template context,
# so a template writes {{ total|money }} and {{ due|date }} and cannot mix locales by mistake.


@pass_context
def _money(context: Context, amount: Decimal, currency: str | None = None) -> str:
    return format_money(amount, currency or context["currency"], context["language"])


@pass_context
def _date(context: Context, day: date, style: str = "long") -> str:
    return format_date(day, context["language"], style)


@pass_context
def _percent(context: Context, rate_percent: Decimal) -> str:
    """12.15 → "12,15 %" / "12.15%"."""
    locale = LOCALES[Language(context["language"])]
    return format_percent(rate_percent / 100, locale=locale, decimal_quantization=False)


_DAY_WORDS = {Language.FR: ("jour", "jours"), Language.EN: ("day", "days")}


@pass_context
def _days(context: Context, count: int) -> str:
    one, many = _DAY_WORDS[Language(context["language"])]
    # French counts 0 and 1 in the singular, English only 1.
    singular = count <= 1 if context["language"] == Language.FR else count == 1
    return f"{count} {one if singular else many}"


def _nl2br(text: str) -> Markup:
    """A multi-line value (a postal address) for HTML: each line escaped, joined by <br>."""
    return Markup("<br>\n").join(escape(line.strip()) for line in text.splitlines() if line.strip())
