"""End to end with real parts: `prefect server`, a process work pool, `prefect deploy`, a worker,
`prefect deployment run interosight/full` (twice: the second run is Cached), artifacts read back
through the API, and the UI's run page rendered in headless Chromium (screenshot kept).

Everything runs on loopback with a project-local PREFECT_HOME; every process started here is
stopped by its process group at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / ".interosight" / "e2e-artifacts"
HEAVY_TASKS = ("ingest-dataverse", "prepare", "synthesize-template", "preference-pairs", "build-base-model",
               "sft-foundation", "sft-mi-style", "dpo-dpo", "merge-adapter", "evaluate-base", "evaluate-merged")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A Prefect server + worker started for one test module, addressed by URL, stopped by PID."""

    def __init__(self, home: Path):
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_UI_URL": f"http://127.0.0.1:{self.port}",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.procs: list[subprocess.Popen] = []
        self.logs = home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """Start a long-running `prefect` process in its own process group, logging to a file."""
        log = open(self.logs / f"{name}.log", "w")
        proc = subprocess.Popen([str(BIN / "prefect"), *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def run(self, *args: str, timeout: float = 300) -> str:
        """Run a `prefect` command to completion; fail with its output on a non-zero exit."""
        out = subprocess.run([str(BIN / "prefect"), *args], cwd=ROOT, env=self.env, capture_output=True,
                             text=True, timeout=timeout)
        assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
        return out.stdout + out.stderr

    def wait_healthy(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.procs[0].poll() is None, (self.logs / "server.log").read_text()[-3000:]
            time.sleep(1)
        raise AssertionError("prefect server did not become healthy")

    def post(self, path: str, body: dict) -> list | dict:
        response = httpx.post(f"{self.api}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    server = Served(home)
    try:
        server.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(server.port))
        server.wait_healthy()
        server.run("work-pool", "create", "interosight-local", "--type", "process")
        server.run("--no-prompt", "deploy", "--all", timeout=600)
        server.start("worker", "worker", "start", "--pool", "interosight-local", "--limit", "1")
        yield server
    finally:
        server.stop()
        for log in server.logs.glob("*.log"):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, ARTIFACTS / log.name)


def _config(tmp_path: Path) -> Path:
    """The demo config with absolute sample paths and a private work dir."""
    data = yaml.safe_load((ROOT / "deployments" / "demo.yaml").read_text())
    for source in data["ingest"]["sources"]:
        source["path"] = str(ROOT / source["path"])
    data["work_dir"] = str(tmp_path / "work")
    path = tmp_path / "e2e.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _run_deployment(served: Served, config: Path) -> dict:
    """`prefect deployment run interosight/full --watch`; return the flow run (from the API)."""
    out = served.run("deployment", "run", "interosight/full", "--params", json.dumps({"config_path": str(config)}), "--watch",
                     "--watch-timeout", "1500", timeout=1600)
    run_id = next(line.split()[-1] for line in out.splitlines() if "UUID" in line)
    return served.post("/flow_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})[0]


def _task_states(served: Served, flow_run_id: str) -> dict[str, str]:
    """{task run name: state name} over the flow run and all its subflow runs."""
    children = served.post("/flow_runs/filter", {"flow_runs": {"parent_flow_run_id": {"any_": [flow_run_id]}}})
    ids = [flow_run_id, *(c["id"] for c in children)]
    tasks = served.post("/task_runs/filter", {"task_runs": {"flow_run_id": {"any_": ids}}})
    return {t["name"]: t["state"]["name"] for t in tasks}


def test_deployment_runs_caches_publishes_artifacts_and_shows_in_the_ui(served, tmp_path):
    config = _config(tmp_path)
    first = _run_deployment(served, config)
    assert first["state"]["type"] == "COMPLETED", first["state"]
    states = _task_states(served, first["id"])
    assert all(states.get(name) == "Completed" for name in HEAVY_TASKS), states

    second = _run_deployment(served, config)
    assert second["state"]["type"] == "COMPLETED", second["state"]
    states = _task_states(served, second["id"])
    assert all(states.get(name) == "Cached" for name in HEAVY_TASKS), states

    keys = {a["key"] for a in served.post("/artifacts/filter", {})}
    assert {"ingest-summary", "prepare-summary", "synthesis-summary", "train-summary", "evaluation-comparison",
            "evaluation-report"} <= keys, keys

    schedules = served.post("/deployments/filter", {"deployments": {"name": {"any_": ["regenerate-synthetic"]}}})
    assert schedules and schedules[0]["schedules"] and schedules[0]["schedules"][0]["active"]

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian chromium is not installed (make install-e2e installs it); the served run itself passed")
    url = f"http://127.0.0.1:{served.port}/runs/flow-run/{second['id']}"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1400,1000", "--virtual-time-budget=20000"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=180).stdout
    assert second["name"] in dom, "the flow run's name is not on its UI page"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "flow-run.png"
    subprocess.run([chromium, *flags, f"--screenshot={shot}", url], capture_output=True, timeout=180)
    assert shot.is_file() and shot.stat().st_size > 10_000
    (ARTIFACTS / "flow-run.json").write_text(json.dumps({"url": url, "states": states}, indent=2))
