"""The limitation watchdog: the owner hears 90 and 30 days before a claim becomes time-barred
(5 years between businesses, 2 against a consumer, from the due date), once per invoice and level."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from dialogs.alerts import Alert, AlertKind
from dialogs.legal import LIMITATION_ALERT_DAYS, LIMITATION_YEARS, limitation_warnings
from dialogs.parties import DebtorKind
from dialogs.states import CaseState
from scheduler.alerts import queue_alert
from scheduler.sweep import SweepPolicy
from storage.models import Case, Debtor, Invoice


def watch_limitation(session: Session, policy: SweepPolicy, now: datetime) -> int:
    """Queue the alerts due on `now`'s day; returns how many invoices warranted one. The caller commits."""
    today = now.astimezone(policy.calendar.tz).date()
    warned = 0
    for kind in DebtorKind:
        # Only invoices within the earliest warning's reach are read (a day wider, for 29 February);
        # `limitation_warnings` then decides exactly.
        cutoff = _years_before(today + timedelta(days=max(LIMITATION_ALERT_DAYS) + 1), LIMITATION_YEARS[kind])
        query = (select(Invoice, Case, Debtor).join(Case, col(Case.id) == Invoice.case_id)
                 .join(Debtor, col(Debtor.id) == Case.debtor_id)
                 .where(Invoice.amount > Invoice.paid, Invoice.due_date <= cutoff, Debtor.kind == kind,
                        Case.state != CaseState.CLOSED))
        for invoice, case, debtor in session.exec(query):
            for warning in limitation_warnings([invoice.due_date], kind, today):
                if warning.time_barred:
                    continue  # past saving; the owner was told twice before
                detail = (f"{invoice.number}: due {invoice.due_date.isoformat()}, time-barred after "
                          f"{warning.limitation_date.isoformat()} ({warning.days_left} days left)")
                warned += queue_alert(session, policy.owner, Alert(AlertKind.TIME_BAR, case.id,
                                                                   f"{debtor.ref} {debtor.name}", detail),
                                      now, once_per=f"invoice:{invoice.id}:{warning.threshold_days}") > 0
    return warned


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 3, 1)
