"""Shared input checks and the CSV reader every CSV source uses.

CSVs are read by DuckDB (`read_csv` with explicit dialect, every column as
VARCHAR, `store_rejects=true`): rows that do not parse land in DuckDB's
`reject_errors` and come back as `Reject` records; the rest are staged in a
temp table with a `_row` column (1-based data-row number) for error messages.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from interosight_core.errors import SourceError

NULL_TOKENS = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None")


@dataclass(frozen=True)
class Reject:
    """One input row that could not be ingested, and why."""

    line: int | None
    column: str | None
    error: str
    raw: str | None


@dataclass(frozen=True)
class Target:
    """Where and under which lineage a source's rows are written (staging runs inside the write transaction)."""

    source: str
    source_file: str
    source_sha256: str
    ingested_at: datetime

    def lineage_sql(self) -> str:
        """SQL select-list fragment adding the lineage columns as constants."""
        return (
            f"{_sql_str(self.source)} AS source, {_sql_str(self.source_file)} AS source_file, "
            f"{_sql_str(self.source_sha256)} AS source_sha256, TIMESTAMP '{self.ingested_at.isoformat(sep=' ')}' AS ingested_at"
        )


@dataclass
class Staged:
    """What a source module produced: warehouse table -> temp staging table, rows it wrote
    directly into warehouse tables (large tables skip the staging copy), rejects and records seen."""

    tables: dict[str, str] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    input_rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_file(path: Path, what: str) -> Path:
    """Fail with one line unless `path` is an existing, non-empty regular file."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: {what} not found (check the `path` in your config)")
    if path.is_dir():
        raise SourceError(f"{path}: is a directory, expected {what} file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: {what} is empty (0 bytes): re-export or re-download it")
    return path


def check_exists(path: Path, what: str) -> Path:
    """Fail with one line unless `path` exists (file or folder)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: {what} not found (check the `path` in your config)")
    return path


def read_header(path: Path, label: str) -> list[str]:
    """Return a CSV file's column names from its first record, decoding strictly as UTF-8."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut at the 1 MiB boundary
            line = head[: error.start].count(b"\n") + 1
            raise SourceError(
                f"{label}: not UTF-8 (bad byte at line {line}): re-save the file as UTF-8 "
                "(e.g. `iconv -f latin1 -t utf-8`)"
            ) from None
        text = head[: error.start].decode("utf-8-sig")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header or not any(h.strip() for h in header):
        raise SourceError(f"{label}: no header row: the first line must name the columns")
    # An unnamed leading index column (pandas' to_csv default) becomes `column0`.
    return [h.strip() or f"column{i}" for i, h in enumerate(header)]


def require_columns(header: list[str], required: list[str], label: str) -> None:
    """Fail with one line naming every missing column and the columns that were found."""
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(header[:20]) + (" …" if len(header) > 20 else "")
        raise SourceError(
            f"{label}: missing required column(s) {', '.join(missing)} (found: {found})"
        )


def pick_column(header: list[str], candidates: tuple[str, ...], label: str, role: str) -> str:
    """Return the first of `candidates` present in `header`, or fail naming them all."""
    for name in candidates:
        if name in header:
            return name
    raise SourceError(
        f"{label}: no {role} column (expected one of {', '.join(candidates)}; found: {', '.join(header[:20])})"
    )


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_csv_staged(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    label: str,
    types: dict[str, str] | None = None,
    select: str | None = None,
    where: str | None = None,
    append: bool = False,
) -> tuple[list[str], int, list[Reject]]:
    """Read a CSV into temp table `table`; return (header, records seen, rejects).

    The file must exist, be non-empty UTF-8 with a header. Unparseable rows are
    returned as rejects; any invalid-encoding row fails the whole file.
    By default every column is VARCHAR plus `_row` (1-based data-row number, which
    serialises the scan). `types` gives SQL types for some columns; then NA-style
    tokens read as NULL and values that do not convert come back as `CAST` rejects.
    `select`/`where` project and filter the scan instead (parallel, no `_row`), and
    `append` inserts into an existing `table` instead of replacing it.
    """
    check_file(path, "CSV")
    header = read_header(path, label)
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise SourceError(f"{label}: duplicate column name(s) {', '.join(dupes)} in the header")
    columns = "{" + ", ".join(f"{_sql_str(h)}: {_sql_str((types or {}).get(h, 'VARCHAR'))}" for h in header) + "}"
    nullstr = f", nullstr=[{', '.join(_sql_str(t) for t in NULL_TOKENS)}]" if types is not None else ""
    scan = (
        f"read_csv({_sql_str(str(path))}, header=true, delim=',', quote='\"', escape='\"', auto_detect=false, "
        f"columns={columns}, store_rejects=true, rejects_table='reject_errors', rejects_scan='reject_scans', "
        f"max_line_size=8388608{nullstr})"
    )
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    query = f"SELECT {select or '*, row_number() OVER () AS _row'} FROM {scan}" + (f" WHERE {where}" if where else "")
    try:
        if append:
            rows = con.execute(f"INSERT INTO {table} BY NAME {query}").fetchone()[0]
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except duckdb.Error as error:
        raise SourceError(f"{label}: cannot be read as CSV ({str(error).splitlines()[0]})") from None
    rejects: list[Reject] = []
    seen: set[tuple] = set()
    for line, column, kind, raw, message in con.execute(
        "SELECT line, column_name, error_type, csv_line, error_message FROM reject_errors ORDER BY line"
    ).fetchall():
        if kind == "INVALID ENCODING":
            raise SourceError(
                f"{label}: not UTF-8 (line {line}): re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
            )
        if (line, raw) in seen:  # DuckDB can report one bad line once per column-count guess
            continue
        seen.add((line, raw))
        rejects.append(Reject(line=int(line), column=column, error=f"{kind}: {message}", raw=raw))
    return header, rows + len(rejects), rejects


def null_if_token(expr: str) -> str:
    """SQL: `expr` trimmed, with NA-style tokens ('', 'NA', 'NaN', 'null', …) turned into NULL."""
    tokens = ", ".join(_sql_str(t) for t in NULL_TOKENS)
    return f"CASE WHEN trim({expr}) IN ({tokens}) THEN NULL ELSE trim({expr}) END"


def quote(identifier: str) -> str:
    """SQL-quote a column name (double quotes, embedded quotes doubled)."""
    return '"' + identifier.replace('"', '""') + '"'
