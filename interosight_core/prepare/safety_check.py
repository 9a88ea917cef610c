"""By-hand safety checking: read texts from an argument, stdin or a JSONL/CSV file and explain them.

`interosight safety-check` is built on this: each text is cleaned with the
prepare stage's rules, scanned by every safety family, backed up by the
learned safety model (`safety_model`: a flag `<family>_model` with its
probability where the rules are silent), and reported with the rule that
fired, its span (on the cleaned text), the matched words, the C-SSRS /
pro-ED levels and the redacted text — the same decisions the prepare stage
stores per post.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from interosight_core.errors import PrepareError
from interosight_core.prepare.clean import clean_text
from interosight_core.prepare.safety import FAMILIES, SafetyReport, scan
from interosight_core.prepare.safety_model import scan_with_model
from interosight_core.sources.jsonio import jsonl_objects


def read_texts(path: Path) -> list[dict]:
    """Read `{id, text}` records from a `.jsonl` (field `text`) or `.csv` (column `text`) file."""
    if not path.exists():
        raise PrepareError(f"{path}: file not found")
    if path.is_dir():
        raise PrepareError(f"{path}: is a directory, expected a .jsonl or .csv file")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PrepareError(f"{path}: not UTF-8: re-save the file as UTF-8") from None
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(content)))
        if rows and "text" not in rows[0]:
            raise PrepareError(f"{path}: no `text` column (found: {', '.join(rows[0])})")
        return [{"id": row.get("id") or str(i + 1), "text": row["text"] or ""} for i, row in enumerate(rows)]
    records = []
    for number, obj in jsonl_objects(content.splitlines(), path, PrepareError):
        if not isinstance(obj.get("text"), str):
            raise PrepareError(f"{path}: line {number} has no string field `text`")
        records.append({"id": str(obj.get("id", number)), "text": obj["text"]})
    return records


def split_lines(text: str) -> list[dict]:
    """Turn stdin into records: one text per non-empty line."""
    return [{"id": str(i + 1), "text": line} for i, line in enumerate(text.splitlines()) if line.strip()]


def explain(record_id: str, text: str, cleaned: str, report: SafetyReport) -> dict:
    """The JSON-able explanation of one scanned text."""
    return {
        "id": record_id,
        "text": text,
        "clean": cleaned,
        "flagged": sorted(report.families),
        "crisis_level": report.crisis_level,
        "pro_ed_level": report.pro_ed_level,
        "flags": [asdict(flag) for flag in report.flags],
        "redacted": report.redacted,
    }


def check_texts(records: Iterable[dict], model: bool = True) -> list[dict]:
    """Clean, scan (rules, then the learned model unless `model` is False) and redact each `{id, text}` record."""
    records = list(records)
    cleaned = [clean_text(r["text"]) for r in records]
    reports = scan_with_model(cleaned) if model else [scan(c) for c in cleaned]
    return [explain(r["id"], r["text"], c, rep) for r, c, rep in zip(records, cleaned, reports)]


def render(result: dict) -> str:
    """Human-readable block for one checked text."""
    families = ", ".join(result["flagged"]) or "none"
    lines = [f"[{result['id']}] flags: {families}"
             + (f" (crisis level {result['crisis_level']})" if result["crisis_level"] else "")
             + (f" (pro-ED level {result['pro_ed_level']})" if result["pro_ed_level"] else "")]
    for flag in result["flags"]:
        what = f"p={flag['score']:.2f} (learned model, whole text)" if flag.get("score") is not None else repr(flag["text"])
        lines.append(f"    {flag['family']:<9} {flag['rule']:<32} {flag['start']:>4}-{flag['end']:<4} {what}")
    lines.append(f"    redacted: {result['redacted']}")
    return "\n".join(lines)


__all__ = ["FAMILIES", "check_texts", "explain", "read_texts", "render", "split_lines"]
