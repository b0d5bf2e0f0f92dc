"""The formal notice: render time of one two-page notice (six invoices, split interest) to PDF, cold and
warm, and its peak memory. A notice is printed once per case, after the owner approves it: the figures
are there to catch a regression by an order of magnitude, not to chase milliseconds."""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc
from datetime import date
from decimal import Decimal

from bot.notice_pdf import render_pdf
from dialogs.legal import Claim, InterestPart, InvoiceClaim, Jurisdiction
from dialogs.notice import NoticeDocument, NoticeParty, SentReminder, render_notice
from dialogs.parties import Channel, DebtorKind, Language
from dialogs.reminders import Creditor
from dialogs.templating import template_environment

ROUNDS = 20
INVOICES = 6  # with the parts of a debt spanning two half-years, this fills two A4 pages


def sample_notice() -> NoticeDocument:
    spanning = (InterestPart(date(2025, 5, 16), date(2025, 6, 30), 46, Decimal("1450.00"), Decimal("13.15"),
                             Decimal("24.03")),
                InterestPart(date(2025, 7, 1), date(2025, 12, 31), 184, Decimal("1450.00"), Decimal("12.15"),
                             Decimal("88.81")))
    invoices = tuple(
        InvoiceClaim(number=f"F-2025-{n:03d}", issue_date=date(2025, 4, 15), due_date=date(2025, 5, 15),
                     amount=Decimal("1450.00"), paid=Decimal("0"), remaining=Decimal("1450.00"), currency="EUR",
                     days_late=230, interest=Decimal("112.84"), parts=spanning, indemnity=Decimal("40"),
                     indemnity_currency="EUR")
        for n in range(INVOICES))
    remaining = sum((inv.remaining for inv in invoices), Decimal(0))
    interest = sum((inv.interest for inv in invoices), Decimal(0))
    indemnity = Decimal(40) * INVOICES
    claim = Claim(jurisdiction=Jurisdiction.FR, debtor_kind=DebtorKind.BUSINESS, as_of=date(2025, 12, 31),
                  currency="EUR", invoices=invoices, credits=Decimal(0), total_remaining=remaining,
                  total_interest=interest, total_indemnity=indemnity, total_claimed=remaining + interest + indemnity,
                  basis=("fr_b2b_l441_10", "fr_d441_5"), warnings=())
    return render_notice(
        claim,
        creditor=Creditor(name="Atelier Durand SARL", address="12 rue des Lilas\n69001 Lyon",
                          email="compta@atelier-durand.fr", siren="123 456 789",
                          iban="FR76 3000 6000 0112 3456 7890 189", payment_link="https://pay.example/durand"),
        debtor=NoticeParty(name="SARL Martin", kind=DebtorKind.BUSINESS, language=Language.FR,
                           address="3 avenue Foch\n75016 Paris", siren="987 654 321"),
        place="Lyon", dated=date(2026, 1, 5), deadline=date(2026, 1, 15), reference="REL-000123",
        reminders=[SentReminder(date(2025, 6, 1), Channel.EMAIL, "Rappel"),
                   SentReminder(date(2025, 7, 1), Channel.EMAIL, "Dernière relance")],
        env=template_environment(),
    )


def run() -> None:
    document = sample_notice()
    started = time.perf_counter()
    render_pdf(document)  # cold: WeasyPrint's import, Pango and fontconfig, first font subsetting
    cold = time.perf_counter() - started
    warm = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        render_pdf(document)
        warm.append(time.perf_counter() - started)
    tracemalloc.start()
    render_pdf(document)
    _, peak = tracemalloc.get_traced_memory()  # Python allocations only; Pango's own are in maxrss
    tracemalloc.stop()
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"one two-page notice ({INVOICES} invoices) to PDF with WeasyPrint")
    print(f"cold (first render in the process): {1000 * cold:6.0f} ms")
    print(f"warm (median of {ROUNDS}):            {1000 * statistics.median(warm):6.0f} ms")
    print(f"peak Python memory of one render:   {peak / 2**20:6.1f} MiB   (process max RSS {max_rss_kib / 1024:.0f} MiB)")
