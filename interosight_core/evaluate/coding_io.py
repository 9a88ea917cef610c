"""Input/output of `interosight mi-code`: coded rows to CSV / JSONL files and to readable lines.

`code_file` (in `mi_coder`) returns one dict per input row: the row's own
columns plus the coder's labels and ``probabilities``. Here:

- `output_format(path)` checks an output file name (``.csv``, ``.jsonl`` /
  ``.ndjson``) before any coding happens;
- `flatten(row)` adds the MITI ``code`` (SR, CR, OQ, CQ, GI, other; for
  client rows the talk type) and spreads the probabilities into
  ``p_<task>_<class>`` columns, for CSV;
- `write_coded(rows, path)` writes CSV (flattened) or JSONL (nested), atomically;
- `render_line(row)` and `summary_lines(rows)` are the human-readable output
  (per row: code, confidence, text; then the MITI summary of the therapist rows).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from interosight_core.errors import SourceError

_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_CODES = {("reflection", "simple"): "SR", ("reflection", "complex"): "CR", ("question", "open"): "OQ",
          ("question", "closed"): "CQ"}


def output_format(path: str | Path) -> str:
    """'csv' or 'jsonl' from the file name; anything else is a one-line `SourceError`."""
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise SourceError(f"{path}: unknown output format (use a .csv or .jsonl file name)")
    return fmt


def code_of(row: dict[str, Any]) -> str:
    """The row's MITI code (SR/CR/OQ/CQ/GI/other) or, for a client row, its talk type."""
    if row.get("role") == "client":
        return str(row.get("client_talk") or "")
    if row.get("behaviour") == "therapist_input":
        return "GI"
    sub = row.get("reflection_subtype") if row.get("behaviour") == "reflection" else row.get("question_subtype")
    return _CODES.get((row.get("behaviour"), sub), "other")


def confidence(row: dict[str, Any]) -> float:
    """Probability of the row's main label (behaviour, or client talk)."""
    task = "client_talk" if row.get("role") == "client" else "behaviour"
    probs = (row.get("probabilities") or {}).get(task) or {}
    return max(probs.values()) if probs else 0.0


def _rounded(probabilities: dict[str, dict[str, float]] | None) -> dict[str, dict[str, float]]:
    """Probabilities rounded to 6 decimals (the coder's float32 values print long otherwise)."""
    return {task: {cls: round(float(p), 6) for cls, p in probs.items()} for task, probs in (probabilities or {}).items()}


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """A flat dict for CSV: the row without ``probabilities``, plus ``code`` and ``p_<task>_<class>`` columns."""
    out = {k: v for k, v in row.items() if k != "probabilities"}
    out["code"] = code_of(row)
    for task, probs in _rounded(row.get("probabilities")).items():
        for cls, p in probs.items():
            out[f"p_{task}_{cls}"] = p
    return out


def _atomic_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Flattened rows as CSV text (columns in first-seen order across all rows)."""
    flat = [flatten(r) for r in rows]
    columns: dict[str, None] = {}
    for r in flat:
        columns.update(dict.fromkeys(r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in flat:
        writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def to_jsonl(rows: Sequence[dict[str, Any]]) -> str:
    """Rows (with ``code`` added) as JSON lines."""
    return "".join(json.dumps({**r, "code": code_of(r), "probabilities": _rounded(r.get("probabilities"))},
                              ensure_ascii=False) + "\n" for r in rows)


def write_coded(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write coded rows to `path` as CSV or JSONL (by extension), atomically; return the path."""
    path = Path(path)
    fmt = output_format(path)
    _atomic_text(path, to_csv(rows) if fmt == "csv" else to_jsonl(rows))
    return path


def render_line(index: int, row: dict[str, Any], width: int = 90) -> str:
    """'index  code  p=0.83  text…' for one coded row."""
    text = " ".join(str(row.get("text") or "").split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{index:>4}  {code_of(row):<8} p={confidence(row):.2f}  {text}"


def summary_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    """MITI summary of the therapist rows (counts, %CR, R:Q, % open questions, level)."""
    from interosight_core.evaluate.miti import miti_summary

    therapist = [r for r in rows if r.get("role", "therapist") != "client"]
    if not therapist:
        return [f"{len(rows)} row(s), no therapist utterances"]
    s = miti_summary(therapist)
    fmt = lambda v: "–" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    rq = "–" if s.reflection_to_question is None else (
        "∞" if s.reflection_to_question == float("inf") else f"{s.reflection_to_question:.2f}")
    return [
        f"{len(therapist)} therapist utterance(s): SR {s.simple_reflections}, CR {s.complex_reflections}, "
        f"OQ {s.open_questions}, CQ {s.closed_questions}, GI {s.therapist_input}, other {s.other}",
        f"%CR {fmt(s.pct_complex_reflections)}, R:Q {rq}, % open questions {fmt(s.pct_open_questions)}: MITI {s.level}",
    ]
