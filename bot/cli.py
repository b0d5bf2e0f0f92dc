"""The `relance` command. Each command loads the config once, builds what it needs and passes it down."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from bot import config as config_mod
from bot.config import ConfigError, LoadedConfig
from storage.engine import make_engine, resolve_url
from storage.migrate import upgrade

EXIT_FAILED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="relance",
    help="Amicable debt recovery for a small firm: reminders, replies, payment plans, formal notices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import CSV exports from your accounting software.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", help="Config file (default: $RELANCE_CONFIG or ./config.toml).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def _main(ctx: typer.Context, config: ConfigOption = None) -> None:
    ctx.obj = config


def load_config(ctx: typer.Context, explicit: Path | None) -> LoadedConfig:
    """The command's own --config wins over the global one, then $RELANCE_CONFIG, then ./config.toml."""
    path = config_mod.config_path(explicit or ctx.obj, os.environ)
    try:
        return config_mod.load(path)
    except ConfigError as exc:
        _fail_config(exc)


def open_database(loaded: LoadedConfig) -> Engine:
    """An engine on the configured database, migrated to the current schema."""
    engine = make_engine(resolve_url(loaded.config.database.url, loaded.base_dir))
    upgrade(engine)
    return engine


def wall_clock() -> datetime:
    """The only reading of the real clock: commands pass it down as `now`."""
    return datetime.now(UTC)


def _fail_config(exc: ConfigError) -> typer.Exit:
    for line in str(exc).splitlines():
        err.print(line, markup=False, highlight=False)
    raise typer.Exit(EXIT_USAGE)


@app.command("check-config")
def check_config(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Validate the config file; list every problem with its key path and exit 2 if any."""
    loaded = load_config(ctx, config)
    cfg = loaded.config
    absent = [name for name in ("smtp", "imap", "telegram") if getattr(cfg, name) is None]
    out.print(f"{loaded.path}: OK", markup=False, highlight=False)
    if absent:
        out.print(f"not configured (needed by `relance run`): {', '.join(absent)}", markup=False, highlight=False)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Apply the schema migrations (also done whenever a command opens the database)."""
    loaded = load_config(ctx, config)
    engine = open_database(loaded)
    out.print(f"database at schema {_revision(engine)}", markup=False, highlight=False)


def _revision(engine: Engine) -> str:
    from storage.migrate import current_revision

    return current_revision(engine) or "(empty)"


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
