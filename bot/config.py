"""Configuration: one TOML file, validated once into frozen typed models, secrets masked.

Every section is optional; what a command needs is asked for with `Config.require`, so a file
with only `[company] name` and `[database] url` serves the import and the views.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from dialogs.parties import Language

DEFAULT_PATH = Path("config.toml")
ENV_PATH = "RELANCE_CONFIG"
SECRET_ENV = {
    ("smtp", "password"): "RELANCE_SMTP_PASSWORD",
    ("imap", "password"): "RELANCE_IMAP_PASSWORD",
    ("telegram", "token"): "RELANCE_TELEGRAM_TOKEN",
}

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Security = Literal["starttls", "tls", "none"]
CANONICAL_INVOICE_COLUMNS = (
    "invoice_number", "debtor_ref", "debtor_name", "debtor_email", "debtor_kind", "language",
    "issue_date", "due_date", "amount", "currency", "amount_paid", "balance",
)
CANONICAL_PAYMENT_COLUMNS = ("invoice_number", "payment_date", "amount", "reference")


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CompanyConfig(_Section):
    name: str = "Ma Société"
    address: str = ""
    siren: str = ""
    vat: str = ""
    iban: str = ""
    bic: str = ""
    payment_link: str = ""
    email: str = ""
    phone: str = ""
    timezone: str = "Europe/Paris"
    country: str = "FR"
    language: Language = Language.FR

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class DatabaseConfig(_Section):
    url: str = "sqlite:///relance.db"


class SmtpConfig(_Section):
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Security = "starttls"
    username: str = ""
    password: SecretStr | None = None
    from_: str = Field(alias="from")
    reply_to: str = ""


class ImapConfig(_Section):
    host: str
    port: int = Field(993, ge=1, le=65535)
    security: Security = "tls"
    username: str
    password: SecretStr | None = None
    folder: str = "INBOX"
    processed_folder: str = ""
    # How long a socket waits on the server before the connection counts as lost.
    timeout_seconds: float = Field(30, gt=0)
    # RFC 2177 §3: a server may drop a client idle for 30 minutes; re-issue IDLE well before.
    idle_renew_seconds: float = Field(600, gt=0, le=1740)
    # For a server without IDLE: how often to look for new mail.
    poll_seconds: float = Field(60, gt=0)
    # After a network error, wait reconnect_min_seconds, doubling up to reconnect_max_seconds.
    reconnect_min_seconds: float = Field(1, gt=0)
    reconnect_max_seconds: float = Field(300, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> ImapConfig:
        if self.reconnect_min_seconds > self.reconnect_max_seconds:
            raise ValueError("reconnect_min_seconds must not exceed reconnect_max_seconds")
        # Mail moved into the folder it was read from would come back as new, again and again.
        if self.processed_folder == self.folder:
            raise ValueError("processed_folder must differ from folder (or be empty)")
        return self


class TelegramConfig(_Section):
    token: SecretStr | None = None
    bot_username: str = ""
    owner_chat_ids: list[int] = []
    base_url: str = ""
    # How long the link in a reminder lets a debtor start the chat.
    link_days: int = Field(30, ge=1)


class OwnerConfig(_Section):
    email: str = ""
    language: Language = Language.FR
    # A summary by email each working day when the window opens: what happened, what waits for you.
    digest: bool = True


class SendingConfig(_Section):
    window_start: time = time(9, 0)
    window_end: time = time(18, 0)
    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    holidays_country: str = "FR"
    min_days_between_contacts: int = Field(3, ge=0)
    min_balance: Decimal = Decimal("5.00")
    # How often `relance run` sweeps for due steps and dispatches the outbox.
    sweep_every_seconds: int = Field(60, ge=5)

    @field_validator("holidays_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value and value not in holidays.list_supported_countries():
            raise ValueError(f"no public holidays known for country {value!r} (ISO 3166 code such as FR)")
        return value

    @model_validator(mode="after")
    def _window_is_a_window(self) -> SendingConfig:
        if self.window_start >= self.window_end:
            raise ValueError("window_start must be before window_end")
        if not self.days:
            raise ValueError("days must name at least one weekday")
        return self


class StepConfig(_Section):
    name: str
    offset_days: int
    channels: list[Literal["email", "telegram"]] = ["email", "telegram"]
    template: str = ""
    tone: Literal["courteous", "firm", "formal"] = "courteous"
    action: Literal["remind", "flag_formal_notice"] = "remind"
    # B2B only: remind of late interest and the 40 € indemnity (never shown to a consumer).
    legal_mentions: bool = False


def _default_ladder() -> list[StepConfig]:
    # French practice: a courtesy notice before the due date, then reminders of rising firmness.
    return [
        StepConfig(name="courtesy", offset_days=-3, tone="courteous", template="courtesy"),
        StepConfig(name="reminder_1", offset_days=1, tone="courteous", template="reminder_1"),
        StepConfig(name="reminder_2", offset_days=8, tone="firm", template="reminder_2"),
        StepConfig(name="reminder_3", offset_days=15, tone="firm", template="reminder_3", legal_mentions=True),
        StepConfig(name="last_reminder", offset_days=30, tone="formal", template="last_reminder", legal_mentions=True),
        StepConfig(name="formal_notice", offset_days=45, channels=[], action="flag_formal_notice"),
    ]


def _check_ladder(steps: list[StepConfig]) -> list[StepConfig]:
    if not steps:
        raise ValueError("a ladder needs at least one step")
    offsets = [s.offset_days for s in steps]
    if offsets != sorted(set(offsets)):
        raise ValueError("steps must have strictly increasing offset_days")
    names = [s.name for s in steps]
    if len(names) != len(set(names)):
        raise ValueError("step names must be unique")
    for step in steps:
        if step.action == "remind" and not step.channels:
            raise ValueError(f"step {step.name!r} reminds on no channel")
    return steps


class PolicyConfig(_Section):
    steps: list[StepConfig] = Field(default_factory=_default_ladder)
    # Other ladders, by name, that the owner may give a debtor (`relance debtor REF --ladder NAME`).
    ladders: dict[str, list[StepConfig]] = {}
    promise_grace_days: int = Field(3, ge=0)
    # A folder whose fr/ and en/ templates replace the shipped ones, file by file.
    templates_dir: str = ""

    @field_validator("steps")
    @classmethod
    def _steps_in_order(cls, steps: list[StepConfig]) -> list[StepConfig]:
        return _check_ladder(steps)

    @field_validator("ladders")
    @classmethod
    def _ladders_in_order(cls, ladders: dict[str, list[StepConfig]]) -> dict[str, list[StepConfig]]:
        for name, steps in ladders.items():
            try:
                _check_ladder(steps)
            except ValueError as exc:
                raise ValueError(f"ladder {name!r}: {exc}") from None
        return ladders


class RepliesConfig(_Section):
    # Under this confidence an understood reply goes to the owner's review queue instead of acting.
    min_confidence: float = Field(0.5, ge=0, le=1)
    # Days reminders wait after "I have paid" or a plan request, while the owner checks.
    claim_grace_days: int = Field(7, ge=0)
    # A promise further away than this is for the owner to accept, not relance.
    max_promise_days: int = Field(60, ge=1)


class PlansConfig(_Section):
    max_installments: int = Field(6, ge=2)
    min_installment: Decimal = Field(Decimal("50.00"), gt=0)
    max_months: int = Field(6, ge=1)
    first_within_days: int = Field(15, ge=0)
    down_payment_percent: Decimal = Field(Decimal("0"), ge=0, lt=100)
    # Days installments may fall on (a firm paid on the 5th, say, picks its weekdays here).
    weekdays: list[Weekday] = Field(["mon", "tue", "wed", "thu", "fri"], min_length=1)
    # An installment unpaid this many days after its date breaks the plan.
    grace_days: int = Field(5, ge=0)
    # What a broken plan leads to: back to the reminders, or straight to a formal notice.
    on_broken: Literal["ladder", "formal_notice"] = "ladder"


class LegalConfig(_Section):
    jurisdiction: Literal["FR", "EU", "UK"] = "FR"
    contractual_rate_percent: Decimal | None = Field(None, ge=0)
    # The half-year's rate where the delay began, for the whole debt (else each half-year at its own).
    rate_fixed_at_first_day: bool = False
    # A folder of rate tables (fr_b2b.toml, fr_legal_other.toml, eu_reference.toml, uk_base.toml), in
    # the shipped files' format, replacing the shipped ones by name: how to set a rate not yet published.
    rates_dir: str = ""
    notice_deadline_days: int = Field(8, ge=1)
    # Where the formal notice says it was written ("Fait à Lyon"); default: the company address's last line.
    place: str = ""
    max_broken_promises: int = Field(2, ge=1)


class ImportConfig(_Section):
    columns: dict[str, str] = {}

    @field_validator("columns")
    @classmethod
    def _canonical_targets(cls, value: dict[str, str]) -> dict[str, str]:
        known = set(CANONICAL_INVOICE_COLUMNS) | set(CANONICAL_PAYMENT_COLUMNS) | {"payment_date"}
        unknown = sorted({v for v in value.values() if v not in known})
        if unknown:
            raise ValueError(f"unknown column name(s) {', '.join(unknown)}; use one of {', '.join(sorted(known))}")
        return value


class Config(_Section):
    company: CompanyConfig = CompanyConfig()
    database: DatabaseConfig = DatabaseConfig()
    smtp: SmtpConfig | None = None
    imap: ImapConfig | None = None
    telegram: TelegramConfig | None = None
    owner: OwnerConfig = OwnerConfig()
    sending: SendingConfig = SendingConfig()
    policy: PolicyConfig = PolicyConfig()
    replies: RepliesConfig = RepliesConfig()
    plans: PlansConfig = PlansConfig()
    legal: LegalConfig = LegalConfig()
    import_: ImportConfig = Field(ImportConfig(), alias="import")

    def require(self, *sections: str) -> None:
        """Raise ConfigError naming every section the current command needs but the file lacks."""
        missing = [s for s in sections if getattr(self, s) is None]
        if missing:
            raise ConfigError([Problem(s, "this command needs this section") for s in missing])


@dataclass(frozen=True, slots=True)
class Problem:
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"


class ConfigError(Exception):
    """The configuration cannot be used; every problem is listed with its TOML key path."""

    def __init__(self, problems: list[Problem], path: Path | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__("\n".join(f"{where}{p}" for p in problems))


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: Config
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def config_path(explicit: Path | None, environ: Mapping[str, str]) -> Path:
    if explicit is not None:
        return explicit
    return Path(environ[ENV_PATH]) if environ.get(ENV_PATH) else DEFAULT_PATH


def load(path: Path, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read and validate `path`; secrets missing from the file are taken from the environment."""
    environ = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem("(file)", "not found; pass --config PATH or set RELANCE_CONFIG "
                     "(config.example.toml is a documented starting point)")], path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem("(file)", f"cannot be read: {exc}")], path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem("(syntax)", str(exc))], path) from None
    return LoadedConfig(parse(data, environ, path), path.resolve())


def parse(data: dict[str, Any], environ: Mapping[str, str], path: Path | None = None) -> Config:
    for (section, key), var in SECRET_ENV.items():
        if environ.get(var) and isinstance(data.get(section), dict) and not data[section].get(key):
            data[section] = {**data[section], key: environ[var]}
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_problem(e) for e in exc.errors()], path) from None


def _problem(error: Any) -> Problem:
    key = ""
    for part in error["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    reason = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        reason = "unknown key (a typo?)"
    elif error["type"] == "missing":
        reason = "required in this section"
    return Problem(key or "(top level)", reason)
