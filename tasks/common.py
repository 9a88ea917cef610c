"""Helpers every task module shares: result storage location, user-error handling."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, TypeVar

from prefect.states import Failed

from interosight_core.config import PipelineConfig
from interosight_core.errors import InteroSightError

F = TypeVar("F", bound=Callable[..., Any])


def results_dir(cfg: PipelineConfig) -> Path:
    """Where cached task results (and their cache keys) live: `<work_dir>/prefect-results`."""
    path = Path(cfg.work_dir).resolve() / "prefect-results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_errors_fail_cleanly(fn: F) -> F:
    """Turn an `InteroSightError` into a Failed state carrying its one-line message.

    Bad input is deterministic, so the task fails at once (no retries, no
    traceback in the logs) and the message is what the user sees.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InteroSightError as error:
            return Failed(message=str(error), data=error)

    return wrapper  # type: ignore[return-value]
