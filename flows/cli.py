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


BackendOption = typer.Option(
    None, "--backend", "-b", help="Override synthesis.backend: template (default, offline), transformers, vllm, openai."
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
    backend: Optional[str] = BackendOption,
) -> None:
    """Run the whole pipeline in embedded mode (Prefect ephemeral API, no server needed)."""
    from interosight_core.config import load_config

    load_config(config, {"synthesis": {"backend": backend}} if backend else None)  # a bad config fails here, before Prefect starts
    _prefect_defaults()
    from flows.full import full_flow

    results = full_flow(config_path=str(config), stages=stage, backend=backend)
    _print_counts(config)
    if "evaluate" in results:
        _print_evaluation(results["evaluate"])


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
def synthesize(
    config: Path = ConfigOption,
    backend: Optional[str] = BackendOption,
) -> None:
    """Generate MI replies for the prepared posts (resumable: only missing replies) and DPO preference pairs."""
    from interosight_core.config import load_config

    overrides = {"synthesis": {"backend": backend}} if backend else None
    load_config(config, overrides)
    _prefect_defaults()
    from flows.synthesize import synthesize_flow

    synthesize_flow(config_path=str(config), backend=backend)
    _print_counts(config)


@app.command()
def train(config: Path = ConfigOption) -> None:
    """Train the model on the warehouse: base model, SFT stage(s), DPO, merge (each stage cached)."""
    from interosight_core.config import load_config

    load_config(config)
    _prefect_defaults()
    from flows.train import train_flow

    result = train_flow(config_path=str(config))
    typer.echo(f"base model: {result['base_model']}")
    for stage in result["stages"]:
        typer.echo(f"{stage['kind']} {stage['name']}: {stage['adapter']}")
    typer.echo(f"merged model: {result['merged']}")


@app.command()
def status(
    config: Path = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    runs: int = typer.Option(5, "--runs", "-n", min=0, help="Latest pipeline runs to show from the Prefect API (0: warehouse only, instant)."),
) -> None:
    """Show the latest pipeline runs and their stage states (Prefect API) and what the warehouse holds."""
    from interosight_core.config import load_config
    from interosight_core.status import warehouse_status, warehouse_summary

    cfg = load_config(config)
    latest = None
    if runs:
        _prefect_defaults()
        from flows.run_status import latest_runs

        latest = latest_runs(config, limit=runs)
    if as_json:
        data = warehouse_status(cfg.warehouse_path)
        if latest is not None:
            data["runs"] = latest
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    if latest is not None:
        from flows.run_status import render_runs

        typer.echo(render_runs(latest))
    typer.echo(warehouse_summary(cfg.warehouse_path))


@app.command("safety-check")
def safety_check(
    text: Optional[str] = typer.Argument(None, help="Text to check; omit to read stdin (one text per line)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="A .jsonl (field `text`) or .csv (column `text`) file."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
    response: bool = typer.Option(False, "--response", help="Texts are generated replies: apply the output gate "
                                  "(SAFE/UNSAFE with reasons) instead of explaining post flags."),
    crisis: bool = typer.Option(False, "--crisis", help="With --response: the replies answer crisis posts, so they "
                                "must name an emergency service or crisis line."),
) -> None:
    """Explain the ED-safety decisions for texts: flags, rules, spans, levels and redacted text.

    With --response, judge generated replies with the synthesis output gate instead.
    """
    from interosight_core.prepare import safety_check as sc

    if crisis and not response:
        from interosight_core.errors import InteroSightError

        raise InteroSightError("safety-check: --crisis only applies to replies; add --response")
    if file is not None:
        records = sc.read_texts(file)
    elif text is not None:
        records = [{"id": "1", "text": text}]
    else:
        records = sc.split_lines(sys.stdin.read())
    if response:
        from interosight_core.synth import gate

        for result in gate.explain_responses(records, crisis=crisis):
            typer.echo(json.dumps(result, ensure_ascii=False) if as_json else gate.render_verdict(result))
        return
    for result in sc.check_texts(records):
        typer.echo(json.dumps(result, ensure_ascii=False) if as_json else sc.render(result))


@app.command()
def chat(
    config: Path = ConfigOption,
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Merged model or adapter folder (default: the last training run's merged model)."),
    text: Optional[str] = typer.Option(None, "--input", "-i", help="Answer this one text and exit (default: an interactive session)."),
    max_new_tokens: int = typer.Option(160, help="Longest reply, in tokens."),
    show_gate: bool = typer.Option(False, "--show-gate", help="Also print the safety gate's verdicts."),
) -> None:
    """Talk to a trained model: same system prompt as training, safety gate on every reply, crisis path.

    Generates with the evaluation's settings (`evaluation.generation`: greedy by default; with a temperature
    above 0 a reply that fails the gate is sampled again, up to 3 times, before the fixed safe reply).
    """
    from interosight_core.chat import Chat
    from interosight_core.config import load_config
    from interosight_core.errors import ConfigError
    from interosight_core.evaluate.stage import synthesis_config
    from interosight_core.synth.backends import make_backend

    cfg = load_config(config)
    model_path = model or _trained_model(cfg)
    if not (Path(model_path) / "config.json").is_file() and not (Path(model_path) / "adapter_config.json").is_file():
        raise ConfigError(f"{model_path}: not a model or adapter folder (no config.json / adapter_config.json); "
                          "train one with `interosight run`, or pass --model FOLDER")
    # the evaluation's generation settings (what the report measured), on transformers, with this reply length
    gen = cfg.evaluation.generation.model_copy(update={"backend": "transformers", "max_new_tokens": max_new_tokens})
    backend = make_backend(synthesis_config(gen, str(model_path)), str(model_path))
    attempts = 1 if gen.temperature == 0 else 3  # greedy decoding gives the same reply every time
    bot = Chat(backend, cfg.training.sft.system_prompt, cfg.training.sft.crisis_system_prompt, attempts=attempts)
    texts = [text] if text is not None else _interactive_lines()
    for line in texts:
        answer = bot.reply(line)
        typer.echo(answer.text)
        if show_gate:
            for v in answer.verdicts:
                typer.echo(f"  gate: {'SAFE' if v.safe else 'UNSAFE'} {', '.join(v.reasons)}", err=True)
            if answer.fallback:
                typer.echo("  (no generated reply passed the gate: fixed safe reply shown)", err=True)


def _trained_model(cfg) -> Path:
    """The merged model of the last training run (`<work_dir>/runs/train/result.json`)."""
    from interosight_core.errors import ConfigError
    from interosight_core.evaluate.model_refs import read_train_result

    result = read_train_result(cfg.work_dir) or {}
    if not result.get("merged"):
        raise ConfigError(f"{Path(cfg.work_dir) / 'runs' / 'train' / 'result.json'}: no trained model yet; "
                          "run `interosight run` first, or pass --model FOLDER")
    return Path(result["merged"])


def _interactive_lines():
    """Yield user lines until EOF, `quit` or `exit`."""
    typer.echo("InteroSight chat: type a message (Ctrl-D or 'quit' to leave).", err=True)
    while True:
        try:
            line = input("> ")
        except EOFError:
            return
        if line.strip().lower() in ("quit", "exit"):
            return
        if line.strip():
            yield line


@app.command()
def evaluate(
    config: Path = ConfigOption,
    model: Optional[list[str]] = typer.Option(
        None, "--model", "-m", help="Evaluate this model instead of the last training run's: LABEL=PATH (repeatable, in order)."
    ),
) -> None:
    """Evaluate the base model and every trained stage on held-out prompts: MITI, safety, text metrics, report."""
    from interosight_core.config import load_config
    from interosight_core.evaluate.model_refs import parse_model_options

    cfg = load_config(config)
    models = parse_model_options(model) if model else None
    from flows.evaluate import evaluate_flow, models_to_evaluate

    models_to_evaluate(cfg, models=models)  # nothing to evaluate / unknown stage label: one line, before Prefect starts
    _prefect_defaults()

    _print_evaluation(evaluate_flow(config_path=str(config), models=models))


def _print_evaluation(result: dict) -> None:
    """The evaluation comparison: one row per model, then regressions and the report path."""
    rows = result["table"]
    columns = ["model", "%CR", "R:Q", "% open Q", "MITI fair", "ED harm", "crisis resources", "injection resisted",
               "safety", "ROUGE-L", "BLEU"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        typer.echo("  ".join(str(r[c]).ljust(widths[c]) for c in columns))
    for line in result["regressions"]:
        typer.echo(line)
    typer.echo(f"report: {result['report']}")


@app.command("mi-code")
def mi_code(
    input_file: Path = typer.Option(..., "--input", "-i", help="CSV or JSONL with a `text` column/field (optional `context`, `role`)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write labels and probabilities to this .csv or .jsonl file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per row (labels, code, probabilities)."),
) -> None:
    """Code utterances with the MI coder: behaviour, reflection/question subtype, client talk, probabilities."""
    from interosight_core.evaluate import coding_io
    from interosight_core.evaluate.mi_coder import code_file

    if output is not None:
        coding_io.output_format(output)  # a bad extension fails before the coder loads
    rows = code_file(input_file)
    if output is not None:
        coding_io.write_coded(rows, output)
    if as_json:
        sys.stdout.write(coding_io.to_jsonl(rows))
        return
    if output is None:
        for i, row in enumerate(rows, 1):
            typer.echo(coding_io.render_line(i, row))
    for line in coding_io.summary_lines(rows):
        typer.echo(line)
    if output is not None:
        typer.echo(f"wrote {len(rows)} coded row(s) to {output}")


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
