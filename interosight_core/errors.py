"""Project exception types, one per failure family.

Every error carries a one-line message that says what went wrong, where
(file, column, line or config field) and how to fix it. The CLI prints
``str(error)`` and exits non-zero; no traceback unless ``--debug``.
"""


class InteroSightError(Exception):
    """Base class for every error the CLI reports as a single line."""


class ConfigError(InteroSightError):
    """A config file is missing, unreadable, or fails validation."""


class SourceError(InteroSightError):
    """An input file cannot be ingested (missing, malformed, wrong columns)."""


class WarehouseError(InteroSightError):
    """The DuckDB warehouse is unreadable or in an unexpected state."""


class PrepareError(InteroSightError):
    """The prepare stage cannot run on the data or config it was given."""
