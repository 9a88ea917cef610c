"""The `interosight` flow (ingest -> prepare) on the sample: cached re-runs, per-stage invalidation."""

from __future__ import annotations

import asyncio
import time

import yaml
from flow_helpers import demo_config_copy
from test_ingest_flow import task_states

from flows.full import full_flow
from flows.run_status import latest_runs, render_runs
from interosight_core import warehouse
from interosight_core.config import load_config

EARLY = ["ingest", "prepare"]  # the whole DAG is exercised by test_pipeline_flow.py


def _subflow_task_states(parent_state, expected: set[str], timeout: float = 60) -> dict[str, str]:
    """{task run name: state name} across every subflow run of a parent flow run (polled, see task_states)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    async def children():
        async with get_client() as client:
            parent = FlowRunFilterParentFlowRunId(any_=[parent_state.state_details.flow_run_id])
            return [run.id for run in await client.read_flow_runs(flow_run_filter=FlowRunFilter(parent_flow_run_id=parent))]

    deadline = time.monotonic() + timeout
    while True:
        states: dict[str, str] = {}
        for child in asyncio.run(children()):
            states.update(task_states(child, set(), timeout=0))
        if expected <= {n for n, s in states.items() if s in ("Completed", "Cached", "Failed")} or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def test_full_flow_prepares_then_caches_and_reruns_only_what_changed(tmp_path):
    config = demo_config_copy(tmp_path)
    first = full_flow(config_path=str(config), stages=EARLY, return_state=True)
    assert first.is_completed(), first.message
    result = first.result()
    assert result["prepare"]["kept"] > 0 and result["prepare"]["crisis_routed"] > 0
    cfg = load_config(config)
    with warehouse.open_warehouse(cfg.warehouse_path, read_only=True) as con:
        kept_crisis = con.execute(
            "SELECT count(*) FROM prepared_posts WHERE status = 'kept' AND crisis_level > 0").fetchall()[0][0]
        flags = con.execute("SELECT count(*) FROM post_flags").fetchall()[0][0]
    assert kept_crisis == 0 and flags > 0

    second = full_flow(config_path=str(config), stages=EARLY, return_state=True)
    assert second.is_completed()
    states = _subflow_task_states(second, {"prepare", "ingest-dataverse"})
    assert states["prepare"] == "Cached" and states["ingest-dataverse"] == "Cached", states

    runs = latest_runs(config)  # what `interosight status` shows: newest first, stage subflows with their states
    assert [r["id"] for r in runs] == [str(second.state_details.flow_run_id), str(first.state_details.flow_run_id)]
    assert all(r["flow"] == "interosight" and r["state"] == "Completed" for r in runs)
    assert [(s["stage"], s["state"]) for s in runs[0]["stages"]] == [("ingest", "Completed"), ("prepare", "Completed")]
    assert "interosight" in render_runs(runs) and "ingest Completed, prepare Completed" in render_runs(runs)

    data = yaml.safe_load(config.read_text())
    data["prepare"] = {"min_relevance_score": 0.6}
    config.write_text(yaml.safe_dump(data))
    third = full_flow(config_path=str(config), stages=EARLY, return_state=True)
    assert third.is_completed()
    states = _subflow_task_states(third, {"prepare", "ingest-dataverse"})
    assert states["prepare"] == "Completed" and states["ingest-dataverse"] == "Cached", states
    assert third.result()["prepare"]["kept"] < result["prepare"]["kept"]
