"""Reading accounting CSV exports: encodings, delimiters, header names and cell formats.

Every problem is reported as `FILE:LINE: column: reason`, with line numbers as in the file
(the header is line 1) and the column named as the file names it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from dialogs.money import AmountError, parse_amount, to_cents

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        column = f" {self.column}:" if self.column else ""
        return f"{self.file}:{self.line}:{column} {self.reason}"


class ImportFailed(Exception):
    """Nothing was written: the file has the listed problems."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__("\n".join(map(str, errors)))
        self.errors = list(errors)


class CellError(ValueError):
    """A cell that cannot be read; the reason is for the user."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: Mapping[str, str]  # canonical column name -> stripped text


@dataclass(slots=True)
class Table:
    file: str
    columns: dict[str, str]  # canonical name -> header as written in the file
    rows: list[Row]
    encoding: str
    notes: list[str] = field(default_factory=list)

    def error(self, row: Row, canonical: str, reason: str) -> RowError:
        return RowError(self.file, row.line, self.columns.get(canonical, canonical), reason)

    def cell(self, row: Row, name: str, parse: Callable[[str], T], errors: list[RowError], *,
             required: bool = False) -> T | None:
        """The parsed cell, or None when empty or bad; a bad or missing-but-required cell adds an error."""
        text = row.cells.get(name, "")
        if not text:
            if required:
                errors.append(self.error(row, name, "missing"))
            return None
        try:
            return parse(text)
        except CellError as exc:
            errors.append(self.error(row, name, str(exc)))
            return None


def normalise_header(name: str) -> str:
    """"N° facture" -> "n facture", "Date d'échéance" -> "date d echeance": how headers are compared."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def read_table(
    path: Path,
    aliases: Mapping[str, Sequence[str]],
    user_columns: Mapping[str, str],
    required: Sequence[str | tuple[str, ...]],
) -> Table:
    """Read `path` and map its headers to canonical names; raise ImportFailed on a bad header.

    `aliases` maps each canonical name to header spellings, most specific first; `user_columns`
    (from `[import.columns]`) maps the firm's own header names and wins over the aliases.
    `required` lists canonical names, or tuples of which at least one must be present.
    """
    file = str(path)
    text, encoding, notes = _decode(path)
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise ImportFailed([RowError(file, 1, "", "the file is empty; expected a header line")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    header = next(reader)
    columns, positions, errors = _map_header(file, header, aliases, user_columns)
    for need in required:
        options = (need,) if isinstance(need, str) else need
        if not any(name in columns for name in options):
            wanted = " or ".join(options)
            spellings = ", ".join(f'"{s}"' for name in options for s in aliases.get(name, ())[:4])
            errors.append(RowError(file, 1, "", f"missing column {wanted} (a header such as {spellings}, "
                                                 f"or map yours in [import.columns])"))
    if errors:
        raise ImportFailed(errors)
    return Table(file, columns, list(_rows(reader, positions)), encoding, notes)


def _decode(path: Path) -> tuple[str, str, list[str]]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError:
        # Windows accounting software (Sage, EBP, Ciel) often exports Windows-1252.
        note = f"{path}: not UTF-8; read as Windows-1252"
        return data.decode("cp1252", errors="replace"), "cp1252", [note]


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _map_header(
    file: str, header: list[str], aliases: Mapping[str, Sequence[str]], user_columns: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, int], list[RowError]]:
    normalised = [normalise_header(h) for h in header]
    user = {normalise_header(k): v for k, v in user_columns.items()}
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, name in enumerate(normalised):
        canonical = user.get(name)
        if canonical is None or canonical not in aliases:
            continue
        if canonical in positions:
            errors.append(RowError(file, 1, header[index],
                                   f"maps to {canonical}, like column \"{columns[canonical]}\""))
        columns[canonical], positions[canonical] = header[index], index
    for canonical, spellings in aliases.items():
        if canonical in positions:
            continue
        for spelling in [canonical.replace("_", " "), *spellings]:
            taken = set(positions.values())
            hits = [i for i, n in enumerate(normalised) if n == spelling and i not in taken and n not in user]
            if hits:
                columns[canonical], positions[canonical] = header[hits[0]], hits[0]
                break
    return columns, positions, errors


def _rows(reader: Any, positions: Mapping[str, int]) -> Iterator[Row]:
    """Rows with the file line they start on (a quoted cell may span several lines)."""
    last_line = reader.line_num
    for record in reader:
        start, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        cells = {name: (record[i].strip() if i < len(record) else "") for name, i in positions.items()}
        yield Row(start, cells)


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%Y/%m/%d")


def parse_date(text: str) -> date:
    """Day-first or ISO dates, as French exports write them; a time part is ignored."""
    value = text.strip().split("T")[0].split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(f"not a date: {text!r} (write 15/12/2026 or 2026-12-15; dates are read day first)")


def parse_money(text: str) -> Decimal:
    try:
        amount = parse_amount(text)
        to_cents(amount)
    except AmountError as exc:
        raise CellError(str(exc)) from None
    if abs(amount) >= Decimal("1e12"):
        raise CellError(f"implausibly large amount: {text!r}")
    return amount.quantize(Decimal("0.01"))
