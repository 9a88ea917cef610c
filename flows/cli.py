"""The `interosight` command line (Typer). Imports lazily so `--help` is instant.

User errors (bad config, bad input) print one line — what, where, how to
fix — and exit 1; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="interosight",
    help="InteroSight: ED community posts -> MI-style fine-tuned LLM, as a cached Prefect pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ConfigOption = typer.Option(
    Path("deployments/demo.yaml"), "--config", "-c", help="Pipeline config YAML (see `interosight config-schema`)."
)


class _NoUserErrorTracebacks(logging.Filter):
    """Drop the traceback from Prefect's task/flow failure logs when the cause is a user error.

    Bad input is reported once, as the CLI's one-line `error:`; a traceback there
    would only bury it. Bugs (any other exception) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from interosight_core.errors import InteroSightError

        if record.exc_info and isinstance(record.exc_info[1], InteroSightError):
            record.exc_info, record.exc_text = None, None
        return True


def _prefect_defaults() -> None:
    """Settings that make the embedded (ephemeral) Prefect mode work on small machines."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logging.getLogger(name).addFilter(_NoUserErrorTracebacks())
    if os.environ.get("PREFECT_HOME"):  # Prefect creates only the last path level; a missing parent kills the server
        Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def _print_counts(config: Path) -> None:
    from interosight_core.config import load_config
    from interosight_core.status import warehouse_summary

    cfg = load_config(config)
    typer.echo(warehouse_summary(cfg.warehouse_path))


@app.command()
def run(
    config: Path = ConfigOption,
    stage: Optional[list[str]] = typer.Option(None, "--stage", "-s", help="Run only these stages (repeatable)."),
) -> None:
    """Run the whole pipeline in embedded mode (Prefect ephemeral API, no server needed)."""
    from interosight_core.config import load_config

    load_config(config)  # a bad config fails here, in one line, before Prefect starts
    _prefect_defaults()
    from flows.full import full_flow

    full_flow(config_path=str(config), stages=stage)
    _print_counts(config)


@app.command()
def ingest(config: Path = ConfigOption) -> None:
    """Ingest every configured source into the DuckDB warehouse (cached per source)."""
    from interosight_core.config import load_config

    load_config(config)
    _prefect_defaults()
    from flows.ingest import ingest_flow

    ingest_flow(config_path=str(config))
    _print_counts(config)


@app.command()
def prepare(config: Path = ConfigOption) -> None:
    """Clean, ED-safety flag/redact and score the ingested posts; build dialog examples (cached)."""
    from interosight_core.config import load_config

    load_config(config)
    _prefect_defaults()
    from flows.prepare import prepare_flow

    prepare_flow(config_path=str(config))
    _print_counts(config)


@app.command()
def status(
    config: Path = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show what the warehouse holds: rows per source and table, and where each source came from."""
    from interosight_core.config import load_config
    from interosight_core.status import warehouse_status, warehouse_summary

    cfg = load_config(config)
    if as_json:
        typer.echo(json.dumps(warehouse_status(cfg.warehouse_path), indent=2, default=str))
    else:
        typer.echo(warehouse_summary(cfg.warehouse_path))


@app.command("safety-check")
def safety_check(
    text: Optional[str] = typer.Argument(None, help="Text to check; omit to read stdin (one text per line)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="A .jsonl (field `text`) or .csv (column `text`) file."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Explain the ED-safety decisions for texts: flags, rules, spans, levels and redacted text."""
    from interosight_core.prepare import safety_check as sc

    if file is not None:
        records = sc.read_texts(file)
    elif text is not None:
        records = [{"id": "1", "text": text}]
    else:
        records = sc.split_lines(sys.stdin.read())
    for result in sc.check_texts(records):
        typer.echo(json.dumps(result, ensure_ascii=False) if as_json else sc.render(result))


@app.command("config-schema")
def config_schema() -> None:
    """Print the JSON schema of the pipeline config."""
    from interosight_core.config import config_json_schema

    typer.echo(json.dumps(config_json_schema(), indent=2))


def main() -> None:
    """Console-script entry point: run the app, rendering project errors as one line."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    from interosight_core.errors import InteroSightError

    try:
        app()
    except InteroSightError as error:
        if debug:
            raise
        typer.echo(f"error: {error}", err=True)
        _release_frames(error)
        sys.exit(1)


def _release_frames(error: BaseException | None) -> None:
    """Clear the locals of a failed run's frames (DuckDB handles among them) before exit.

    Prefect keeps the exception, so its frames would otherwise live until
    interpreter shutdown, where DuckDB's bindings report them as leaks.
    """
    import gc
    import traceback

    while error is not None:
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__
    gc.collect()


if __name__ == "__main__":
    main()
