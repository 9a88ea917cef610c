"""The `interosight` CLI as a user runs it: a real subprocess, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flow_helpers import ROOT, demo_config_copy

CLI = [sys.executable, "-m", "flows.cli"]


def run_cli(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run `interosight ARGS` from the repo root with the test environment."""
    return subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=os.environ.copy())


def test_config_schema_is_json_with_every_stage():
    result = run_cli("config-schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert {"ingest", "work_dir"} <= set(schema["properties"])


def test_bad_config_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ingest:\n  sourcez: []\n")
    result = run_cli("run", "--config", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {bad}: ingest.sourcez: unknown key (allowed: max_reject_fraction, sources)"
    assert result.stdout == ""


def test_status_before_anything_ran(tmp_path):
    result = run_cli("status", "--config", str(demo_config_copy(tmp_path)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "no pipeline runs of this config" in result.stdout and "no warehouse yet" in result.stdout


def test_ingest_then_status_then_bad_input(tmp_path):
    config = demo_config_copy(tmp_path)
    result = run_cli("ingest", "--config", str(config))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "dataverse" in result.stdout and "3000" in result.stdout
    status = json.loads(run_cli("status", "--config", str(config), "--json").stdout)
    assert status["tables"]["posts"] == {"dataverse": 3000}
    (run,) = status["runs"]  # the ingest run, read back from the Prefect API the CLI used
    assert run["flow"] == "ingest" and run["state"] == "Completed"
    text = run_cli("status", "--config", str(config)).stdout
    assert f"ingest  {run['name']}  Completed" in text and "warehouse:" in text
    assert {s["source"] for s in status["sources"]} == {
        "dataverse", "counselchat", "annomi", "context_response", "sessions", "tool_calls"}

    broken = tmp_path / "broken.zip"
    broken.write_bytes(Path(ROOT / "data/sample/dataverse_files.zip").read_bytes()[:5000])
    bad_config = demo_config_copy(tmp_path, "bad.yaml", ingest={"sources": [{"kind": "dataverse", "path": str(broken)}]})
    result = run_cli("ingest", "--config", str(bad_config))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {broken}: not a valid zip"), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    after = json.loads(run_cli("status", "--config", str(config), "--json", "--runs", "0").stdout)
    assert after["tables"] == status["tables"], "a failed ingest must leave the warehouse unchanged"
