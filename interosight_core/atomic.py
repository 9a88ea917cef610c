"""Atomic folder writes: build into a hidden sibling, then rename over the target."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_dir(out_dir: Path | str) -> Iterator[Path]:
    """Yield a temp folder next to `out_dir`; on success it replaces `out_dir`, on error it is removed.

    Readers never see a half-written model or artefact folder, and a killed
    run leaves only a hidden `.name.*` folder behind, never a broken target.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
        _normalise_permissions(tmp)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _normalise_permissions(folder: Path) -> None:
    """Give a mkdtemp folder (0700) and its files the umask's usual modes."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    for f in folder.iterdir():
        if f.is_file():
            os.chmod(f, 0o666 & ~umask)
