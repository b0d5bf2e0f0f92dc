"""Shared fixtures: a migrated database (SQLite file, or PostgreSQL when RELANCE_TEST_DATABASE_URL is set)
and the `relance` command run in-process on a config file of the test's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli import app
from storage.engine import make_engine
from storage.migrate import upgrade

PG_URL = os.environ.get("RELANCE_TEST_DATABASE_URL", "")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'relance.db'}"
        return
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield PG_URL


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Relance:
    """Runs `relance --config <the test's config> ARGS` in-process, as a user would type it."""

    config_path: Path

    def __call__(self, *args: str | Path) -> Result:
        runner = CliRunner()
        result = runner.invoke(app, ["--config", str(self.config_path), *map(str, args)], catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def config_path(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[company]\nname = "Atelier Durand"\n\n[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def relance(config_path: Path) -> Relance:
    return Relance(config_path)
