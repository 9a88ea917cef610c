"""Content fingerprints: file and folder sha256, config hashes, code versions.

Cache keys are built from these (stage config + input fingerprints + code
version), so a file that is touched but unchanged keeps its key, and a
changed file, config or code gets a new one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def path_sha256(path: Path) -> str:
    """Return the sha256 of a file, or of a folder (sorted relative names + file hashes)."""
    path = Path(path)
    if path.is_file():
        return file_sha256(path)
    digest = hashlib.sha256()
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(child.relative_to(path).as_posix().encode())
        digest.update(file_sha256(child).encode())
    return digest.hexdigest()


def config_hash(model: BaseModel) -> str:
    """Return a stable sha256 of a pydantic model's JSON form (sorted keys)."""
    payload = json.dumps(model.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def code_version(*packages: str) -> str:
    """Return a short hash of the source files of the given `interosight_core` sub-modules.

    `code_version("sources", "warehouse")` changes whenever any `.py` file in
    `interosight_core/sources/` or `interosight_core/warehouse.py` changes, so
    cached results are invalidated by code changes that could alter them.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in sorted(packages):
        target = root / name
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
