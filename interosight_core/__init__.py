"""InteroSight core library: pure Python, no Prefect import.

Every function here is usable and testable without a Prefect server; the
`tasks/` and `flows/` packages wrap it for orchestration.
"""

__version__ = "0.1.0"
