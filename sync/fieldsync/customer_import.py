"""Customer import from CSV (``fieldsync import customers FILE.csv``), for files from anywhere.

Encodings
    Excel on a Chinese Windows saves "CSV" in GBK (its superset GB18030 reads it);
    "CSV UTF-8" starts with a byte-order mark. Unless ``--encoding`` names one, the
    file is read as UTF-8 (BOM or not) if its first non-ASCII line is UTF-8, else
    as GB18030 — decided by that line, not guessed per line, so a UTF-8 file with
    one damaged byte is reported (line, column, byte), never read as GB18030
    mojibake. UTF-16 ("Unicode text") is refused with what to do instead. An
    undecodable byte is a clear error naming the line; nothing is imported.

Hostile cells
    Every value is stored as the text it is — nothing in a cell is ever evaluated.
    A cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, tab or CR, and not a plain number, a phone number or the character
    alone) is *flagged*:
    the report lists it as a warning. Such text stays harmless where FieldApp shows
    it, and exports neutralise it (:func:`fieldapp.exports.writers.neutralise` puts
    a ``'`` in front). A NUL character is an error (no database stores it); other
    control characters are warnings.

Streaming
    The file is read twice, line by line, never whole: a first pass validates
    every line (holding only the codes seen, for duplicates), a second pass —
    under the writers' lock, in one transaction — validates again and writes in
    batches. With any error nothing is written (unless ``skip_invalid``). A line
    longer than :data:`MAX_LINE_BYTES` or a cell longer than the csv module's
    limit is an error, so a hostile file cannot make the server read it whole.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, select

from fieldapp.core.entities import Customer
from fieldapp.core.validation import blocking, parse_customer
from fieldapp.store.journal import to_wire

from .core.db import write_transaction
from .fields import ENTITY_FIELDS, coerce
from .models import sync_rows, users
from .rows import StoredRow, get_rows, lock_counter, new_row, save_rows

#: What makes a spreadsheet run a cell as a formula (the same list as fieldapp.exports.writers).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# "+86 138 1234 5678", "-12.5", "(0731) 8888-8888": numbers and phone numbers, not formulas.
_NUMBERISH = re.compile(r"^[+-]?[\d\s().,/-]*\d[\d\s().,/-]*$")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_REPORTED = 200          # messages listed; the counts are always complete
BATCH = 1000
MANAGER_COLUMNS = ("manager", "backup_manager")  # user names, resolved to ids
AUTO = "auto"


class CsvProblem(Exception):
    """The file cannot be imported at all (encoding, structure); the message says where and what to do."""


@dataclass
class ImportReport:
    imported: int
    updated: int
    skipped: int                       # invalid lines (not imported)
    errors: list[str]                  # the first MAX_REPORTED, "line N: ..."
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    error_count: int = 0
    warning_count: int = 0
    lines: int = 0                     # data lines read


def customer_values(customer: Customer) -> dict[str, Any]:
    """The stored values of a customer: :func:`fieldapp.store.customers.customer_to_values` without its deep
    copies (an import converts every line; a test checks both agree)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(customer):
        if f.name == "id":
            continue
        value = getattr(customer, f.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, (list, tuple)):
            value = list(value)
        out[f.name] = value
    return out


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` (not counting plain numbers and phone numbers)."""
    return len(text) > 1 and text[0] in FORMULA_TRIGGERS and not _NUMBERISH.match(text)


# --- bytes to lines -------------------------------------------------------------------------------


def _binary_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        line_no = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            line_no += 1
            if len(raw) > MAX_LINE_BYTES:
                raise CsvProblem(f"line {line_no} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB; "
                                 "is this really a CSV file?")
            yield raw


def _codec_name(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):  # "base64", "rot13": not text encodings
        raise CsvProblem(f"unknown encoding {encoding!r} (try utf-8 or gb18030)")
    return info.name


def detect_encoding(path: Path, encoding: str = AUTO) -> str:
    """The encoding to read ``path`` with: ``utf-8-sig``, ``utf-8``, ``gb18030`` or the one given."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
            encoding != AUTO and _codec_name(encoding).startswith(("utf-16", "utf-32"))):
        raise CsvProblem("the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8 (comma "
                         "delimited)\" and import that")
    if encoding != AUTO:
        name = _codec_name(encoding)
        return "utf-8-sig" if name == "utf-8" and head.startswith(codecs.BOM_UTF8) else name
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for line_no, raw in enumerate(_binary_lines(path), 1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            raw.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError as exc:
            raise CsvProblem(f"line {line_no}: the text is neither UTF-8 nor GB18030/GBK "
                             f"({_where(raw, exc, 'gb18030')}); save the file as \"CSV UTF-8\"") from None
    return "utf-8"


def _where(raw: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    column = len(raw[:exc.start].decode(encoding, errors="replace")) + 1
    return f"byte 0x{raw[exc.start]:02x} at column {column}"


def decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    """The file's lines as text; :class:`CsvProblem` naming the line of the first undecodable byte."""
    for line_no, raw in enumerate(_binary_lines(path), 1):
        codec = encoding
        if encoding == "utf-8-sig":
            codec = "utf-8-sig" if line_no == 1 else "utf-8"
        try:
            yield raw.decode(codec)
        except UnicodeDecodeError as exc:
            shown = "UTF-8" if codec.startswith("utf-8") else codec.upper()
            hint = (" (saved by Excel as plain \"CSV\"? try --encoding gb18030)" if shown == "UTF-8"
                    else "; check the file's encoding (--encoding)")
            raise CsvProblem(f"line {line_no}: not valid {shown} text, {_where(raw, exc, codec)}{hint}") from None


# --- lines to validated customers -------------------------------------------------------------------


@dataclass
class _Line:
    line: int
    values: dict[str, Any] | None  # the customer's values, ready to store (None: invalid)
    row_id: str | None             # an existing customer's id (an update), else the new id
    problems: list[str]
    warnings: list[str]


class _Validator:
    """Turns CSV records into customers with the app's own rules (one pass over the file).

    ``with_values``: also build the values to store (the writing pass); the first pass only validates.
    """

    def __init__(self, conn: Connection, with_values: bool):
        self.conn = conn
        self.with_values = with_values
        self.user_ids = {r.username: r.id for r in conn.execute(select(users.c.username, users.c.id))}
        code = sync_rows.c["values"]["code"].as_string()
        self.existing = {r.code: r.row_id for r in conn.execute(
            select(sync_rows.c.row_id, code.label("code")).where(sync_rows.c.entity == "customer"))
            if r.code is not None}
        self.seen: dict[str, int] = {}

    def lines(self, records: Iterator[_Record]) -> Iterator[_Line]:
        batch: list[_Record] = []
        for item in records:
            batch.append(item)
            if len(batch) >= BATCH:
                yield from self._batch(batch)
                batch = []
        yield from self._batch(batch)

    def _batch(self, batch: list[_Record]) -> Iterator[_Line]:
        codes = {r.cells.get("code", "") for r in batch}
        ids = {self.existing[c] for c in codes if c in self.existing}
        stored = get_rows(self.conn, [("customer", i) for i in ids]) if ids else {}
        for record in batch:
            if record.problem:
                yield _Line(record.line, None, None, [record.problem], [])
            else:
                yield self._line(record.line, record.cells, stored)

    def _line(self, line: int, raw: dict[str, str], stored: dict[tuple[str, str], StoredRow]) -> _Line:
        problems: list[str] = []
        warnings: list[str] = []
        for column, text in raw.items():
            if "\x00" in text:
                problems.append(f"{column}: contains a NUL character")
            elif _CONTROL.search(text):
                warnings.append(f"{column}: contains control characters")
            if looks_like_formula(text):
                warnings.append(f"{column}: starts with {text[0]!r} like a spreadsheet formula; kept as text "
                                "(exports neutralise it)")
        if problems:
            return _Line(line, None, None, problems, warnings)
        raw = dict(raw)
        for col in MANAGER_COLUMNS:
            name = raw.pop(col, "")
            if name:
                if name not in self.user_ids:
                    problems.append(f"{col}: no user named {name!r}")
                else:
                    raw[f"{col}_id"] = self.user_ids[name]
        code = raw.get("code", "")
        row_id = self.existing.get(code)
        base = None
        existing = stored.get(("customer", row_id)) if row_id else None
        if existing is not None:  # an update: the file may name only some columns
            base, _ = parse_customer({k: v for k, v in existing.values.items() if v is not None})
            base.id = row_id
        customer, field_errors = parse_customer(raw, base)
        if raw.get("id") and base is None:
            customer.id = raw["id"]
        problems += [e.render() for e in blocking(field_errors)]
        if customer.code in self.seen:
            problems.append(f"the code {customer.code} is already on line {self.seen[customer.code]}")
        self.seen.setdefault(customer.code, line)
        if problems:
            return _Line(line, None, None, problems, warnings)
        values = None
        if self.with_values:
            values = {k: coerce("customer", k, to_wire(v)) for k, v in customer_values(customer).items()
                      if k in ENTITY_FIELDS["customer"]}
        return _Line(line, values, row_id or customer.id, [], warnings)


@dataclass
class _Record:
    line: int
    cells: dict[str, str]      # column -> stripped text
    problem: str | None = None  # a line that is not a record of the table


def _records(path: Path, encoding: str) -> Iterator[_Record]:
    """One record per data line; CsvProblem for a file that is not a table at all."""
    reader = csv.reader(decoded_lines(path, encoding))
    try:
        header = next(reader, None)
        columns = [c.strip() for c in header] if header else []
        if not columns or "code" not in columns:
            raise CsvProblem("the first line must be a header naming the columns (code, store_name, ...)")
        duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
        if duplicates:
            raise CsvProblem(f"the header names a column twice: {', '.join(duplicates)}")
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # an empty line
            if len(record) > len(columns):
                yield _Record(reader.line_num, {}, "more values than columns")
                continue
            yield _Record(reader.line_num, {c: cell.strip() for c, cell in zip(columns, record) if c})
    except csv.Error as exc:
        raise CsvProblem(f"line {reader.line_num}: not readable as CSV ({exc})") from None


def _validated(conn: Connection, path: Path, encoding: str, with_values: bool = False) -> Iterator[_Line]:
    return _Validator(conn, with_values).lines(_records(path, encoding))


class _Tally:
    def __init__(self, encoding: str):
        self.report = ImportReport(0, 0, 0, [], [], encoding)

    def add(self, item: _Line) -> None:
        r = self.report
        r.lines += 1
        for w in item.warnings:
            r.warning_count += 1
            if len(r.warnings) < MAX_REPORTED:
                r.warnings.append(f"line {item.line}, {w}")
        if item.problems:
            r.skipped += 1
            r.error_count += 1
            if len(r.errors) < MAX_REPORTED:
                r.errors.append(f"line {item.line}: " + "; ".join(item.problems))


def import_customers(engine: Engine, path: Path, now: datetime, *, skip_invalid: bool = False,
                     encoding: str = AUTO) -> ImportReport:
    """Validate, then (no errors, or ``skip_invalid``) write; see the module doc. CsvProblem if unreadable."""
    try:
        encoding = detect_encoding(path, encoding)
        with engine.connect() as conn:  # pass 1: validate, no lock held
            tally = _Tally(encoding)
            for item in _validated(conn, path, encoding):
                tally.add(item)
        if tally.report.error_count and not skip_invalid:
            return tally.report
        with write_transaction(engine) as conn:  # pass 2: validate again under the lock, write in batches
            lock_counter(conn)
            tally = _Tally(encoding)
            pending: list[_Line] = []
            for item in _validated(conn, path, encoding, with_values=True):
                tally.add(item)
                if item.values is not None:
                    pending.append(item)
                if len(pending) >= BATCH:
                    _write(conn, pending, tally.report, now)
                    pending = []
            _write(conn, pending, tally.report, now)
            if tally.report.error_count and not skip_invalid:  # the file changed between the passes
                raise _Abort(tally.report)
    except _Abort as abort:
        abort.report.imported = abort.report.updated = 0
        return abort.report
    except OSError as exc:
        raise CsvProblem(f"cannot read the file: {exc.strerror or exc}") from None
    return tally.report


class _Abort(Exception):
    def __init__(self, report: ImportReport):
        super().__init__("import aborted")
        self.report = report


def _write(conn: Connection, items: list[_Line], report: ImportReport, now: datetime) -> None:
    if not items:
        return
    stored = get_rows(conn, [("customer", i.row_id) for i in items])
    to_save: list[StoredRow] = []
    for item in items:
        existing = stored.get(("customer", item.row_id))
        if existing is None:
            to_save.append(new_row("customer", item.row_id, item.values, item.row_id, client_id=None, user_id=None))
            report.imported += 1
        else:  # columns the file does not name kept their stored values (parsed over them)
            merged = {**existing.values, **item.values}
            if merged == existing.values and not existing.deleted:
                continue
            to_save.append(existing.next_version(merged, deleted=False, client_id=None, user_id=None))
            report.updated += 1
    save_rows(conn, to_save, now)
