"""The layers import one way — bot → scheduler → storage → dialogs — and dialogs does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["bot", "scheduler", "storage", "dialogs"]  # each may import only those after it
IO_FRAMEWORKS = {"sqlmodel", "sqlalchemy", "alembic", "telegram", "aiosmtplib", "aiosmtpd", "imapclient",
                 "apscheduler", "httpx", "smtplib", "imaplib", "socket", "asyncio", "subprocess"}


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", LAYERS)
def test_a_layer_imports_no_layer_above_it(package):
    above = set(LAYERS[: LAYERS.index(package)])
    offenders = {str(p.relative_to(ROOT)): sorted(imports_of(p) & above) for p in modules(package)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_domain_core_uses_no_io_framework():
    offenders = {str(p.relative_to(ROOT)): sorted(imports_of(p) & IO_FRAMEWORKS) for p in modules("dialogs")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_domain_code_reads_the_wall_clock():
    readers = [str(p.relative_to(ROOT)) for package in ("dialogs", "scheduler", "storage") for p in modules(package)
               if any(call in p.read_text(encoding="utf-8") for call in ("datetime.now(", "date.today(", "time.time("))]
    assert readers == []


def test_the_walk_sees_every_package():
    assert all(modules(package) for package in LAYERS)
