"""Strict UTF-8 reading of JSON and JSONL inputs with one-line, located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from interosight_core.errors import SourceError
from interosight_core.sources.common import check_file


def read_utf8(path: Path, what: str) -> str:
    """Return a file's text; fail naming the line of the first non-UTF-8 byte."""
    raw = check_file(path, what).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError(
            f"{path}: not UTF-8 (bad byte at line {line}): re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
        ) from None


def load_json(path: Path) -> Any:
    """Parse a whole JSON file; fail naming the line and column of a syntax error."""
    text = read_utf8(path, "JSON")
    if not text.strip():
        raise SourceError(f"{path}: JSON file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(f"{path}: invalid JSON at line {error.lineno}, column {error.colno} ({error.msg})") from None


def jsonl_objects(lines: Iterable[str], path: Path | str, error: type[Exception]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank JSONL line; `error` names the file and line of a bad one."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}: line {number} is not valid JSON ({exc.msg}); one object per line") from None
        if not isinstance(obj, dict):
            raise error(f"{path}: line {number} is not a JSON object; one object per line")
        yield number, obj
