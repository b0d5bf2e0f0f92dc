"""Everything the service and the commands need, built once from the config and passed down."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateNotFound, TemplateSyntaxError

from bot.config import Config, LoadedConfig, Problem, StepConfig
from dialogs.escalation import Ladder, LadderStep, StepAction
from dialogs.legal import Jurisdiction, LegalTerms
from dialogs.parties import Channel, Language
from dialogs.plans import PlanBounds
from dialogs.rates import load_rate_table
from dialogs.reminders import Creditor, ReminderStep, Tone
from dialogs.reply_decisions import ReplyRules
from dialogs.templating import template_environment
from scheduler.alerts import Owner
from scheduler.calendar import WEEKDAYS, BusinessCalendar
from scheduler.compose import Composer
from scheduler.plan_follow import PlanFollowing
from scheduler.sweep import DEFAULT_LADDER, SweepPolicy, reachable_channels


def ladder(name: str, steps: list[StepConfig]) -> Ladder:
    return Ladder(name, tuple(
        LadderStep(name=s.name, offset_days=s.offset_days, channels=tuple(Channel(c) for c in s.channels),
                   action=StepAction(s.action),
                   wording=ReminderStep(name=s.name, template=s.template or s.name, tone=Tone(s.tone),
                                        legal_mentions=s.legal_mentions))
        for s in steps))


def calendar(config: Config) -> BusinessCalendar:
    sending = config.sending
    return BusinessCalendar.from_settings(timezone=config.company.timezone, window_start=sending.window_start,
                                          window_end=sending.window_end, days=sending.days,
                                          country=sending.holidays_country or None)


def sweep_policy(config: Config, composer: Composer | None = None, terms: LegalTerms | None = None) -> SweepPolicy:
    """The sweep's rules; with `composer`, also how cases under a payment plan are followed."""
    ladders = {DEFAULT_LADDER: ladder(DEFAULT_LADDER, config.policy.steps)}
    ladders.update({name: ladder(name, steps) for name, steps in config.policy.ladders.items()})
    return SweepPolicy(
        ladders=ladders,
        calendar=calendar(config),
        min_days_between_contacts=config.sending.min_days_between_contacts,
        min_balance=config.sending.min_balance,
        promise_grace_days=config.policy.promise_grace_days,
        max_broken_promises=config.legal.max_broken_promises,
        plans=None if composer is None else plan_following(config, composer, terms),
        chat_bot=config.telegram.bot_username if config.telegram and config.telegram.token else "",
        chat_link_days=config.telegram.link_days if config.telegram else 30,
        legal_terms=terms,
        owner=owner(config),
    )


def plan_bounds(config: Config) -> PlanBounds:
    plans = config.plans
    return PlanBounds(max_installments=plans.max_installments, min_installment=plans.min_installment,
                      max_months=plans.max_months, first_within_days=plans.first_within_days,
                      down_payment_percent=plans.down_payment_percent,
                      weekdays=frozenset(WEEKDAYS.index(day) for day in plans.weekdays))


def plan_following(config: Config, composer: Composer, terms: LegalTerms | None = None) -> PlanFollowing:
    return PlanFollowing(calendar=calendar(config), owner=owner(config), grace_days=config.plans.grace_days,
                         on_broken=config.plans.on_broken, env=composer.env, creditor=composer.creditor,
                         reachable=reachable_channels, legal_terms=terms)


def owner(config: Config) -> Owner:
    telegram = config.telegram
    return Owner(email=config.owner.email, chat_ids=tuple(telegram.owner_chat_ids) if telegram else (),
                 language=config.owner.language)


def reply_rules(config: Config) -> ReplyRules:
    replies = config.replies
    return ReplyRules(min_confidence=replies.min_confidence, promise_grace_days=config.policy.promise_grace_days,
                      claim_grace_days=replies.claim_grace_days, max_promise_days=replies.max_promise_days)


def legal_terms(loaded: LoadedConfig) -> LegalTerms:
    """The firm's legal settings, with any rate tables of its own replacing the shipped ones."""
    legal = loaded.config.legal
    rates = {}
    if legal.rates_dir:
        folder = loaded.base_dir / Path(legal.rates_dir).expanduser()
        rates = {path.stem: load_rate_table(path.read_text(encoding="utf-8"), path.stem)
                 for path in sorted(folder.glob("*.toml"))}
    return LegalTerms(jurisdiction=Jurisdiction(legal.jurisdiction),
                      contractual_rate_percent=legal.contractual_rate_percent,
                      rate_fixed_at_first_day=legal.rate_fixed_at_first_day, rates=rates)


def notice_place(config: Config) -> str:
    lines = [line.strip(" ,") for line in config.company.address.splitlines() if line.strip(" ,")]
    return config.legal.place or (lines[-1] if lines else "")


def template_problems(loaded: LoadedConfig) -> list[Problem]:
    """Every reminder step must find its three templates in both languages, overridden or shipped."""
    try:
        env = composer(loaded).env
    except FileNotFoundError as exc:
        return [Problem("policy.templates_dir", str(exc))]
    problems = []
    ladders = {"policy.steps": loaded.config.policy.steps}
    ladders.update({f"policy.ladders.{name}": steps for name, steps in loaded.config.policy.ladders.items()})
    for key, steps in ladders.items():
        for index, step in enumerate(steps):
            if step.action != "remind":
                continue
            for language in Language:
                for part in ("subject", "txt", "html"):
                    name = f"{language}/{step.template or step.name}.{part}.j2"
                    try:
                        env.get_template(name)
                    except TemplateNotFound:
                        problems.append(Problem(f"{key}[{index}].template", f"no template {name}"))
                    except TemplateSyntaxError as exc:
                        problems.append(Problem(f"{key}[{index}].template", f"{name} line {exc.lineno}: {exc.message}"))
    return problems


def composer(loaded: LoadedConfig) -> Composer:
    config = loaded.config
    company = config.company
    override = config.policy.templates_dir
    templates = (loaded.base_dir / Path(override).expanduser()) if override else None
    creditor = Creditor(name=company.name, address=company.address, email=company.email, phone=company.phone,
                        siren=company.siren, iban=company.iban, bic=company.bic, payment_link=company.payment_link)
    return Composer(env=template_environment(templates), creditor=creditor,
                    late_interest_rate=config.legal.contractual_rate_percent)
