"""The ingest flow on the bundled sample: populates the warehouse, then re-runs all `Cached`."""

from __future__ import annotations

import asyncio
import time

import pytest
from flow_helpers import demo_config_copy

from flows.ingest import ingest_flow
from interosight_core import warehouse
from interosight_core.config import load_config
from interosight_core.errors import SourceError


def task_states(flow_run_id, expected: set[str], timeout: float = 60) -> dict[str, str]:
    """{task run name: state name} for one flow run, read back from the Prefect API.

    Task-run states reach the API as events, a moment after the flow returns,
    so poll until every expected task run shows a final state.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            return {run.name: run.state.name if run.state else None for run in runs}

    deadline = time.monotonic() + timeout
    while True:
        states = asyncio.run(read())
        final = {n: s for n, s in states.items() if s in ("Completed", "Cached", "Failed")}
        if expected <= set(final) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def test_ingest_flow_populates_warehouse_then_is_all_cached(tmp_path):
    config = demo_config_copy(tmp_path)
    first = ingest_flow(config_path=str(config), return_state=True)
    assert first.is_completed()
    cfg = load_config(config)
    with warehouse.open_warehouse(cfg.warehouse_path, read_only=True) as con:
        counts = {(t, s): n for t, s, n in warehouse.table_counts(con)}
    assert counts[("posts", "dataverse")] == 3000
    assert {s.source_name for s in cfg.ingest.sources} <= {s for _, s in counts}
    expected = {f"ingest-{s.source_name}" for s in cfg.ingest.sources}
    states = task_states(first.state_details.flow_run_id, expected | {"ingest-summary"})
    assert {n for n, s in states.items() if s == "Completed"} >= expected | {"ingest-summary"}

    second = ingest_flow(config_path=str(config), return_state=True)
    assert second.is_completed()
    states = task_states(second.state_details.flow_run_id, expected)
    ingest_states = {n: s for n, s in states.items() if n.startswith("ingest-") and n != "ingest-summary"}
    assert len(ingest_states) == len(cfg.ingest.sources)
    assert set(ingest_states.values()) == {"Cached"}, ingest_states


def test_ingest_flow_bad_input_fails_with_the_one_line_message(tmp_path):
    bad = tmp_path / "missing.csv"
    config = demo_config_copy(tmp_path, ingest={"sources": [{"kind": "counselchat", "path": str(bad)}]})
    state = ingest_flow(config_path=str(config), return_state=True)
    assert state.is_failed()
    with pytest.raises(SourceError, match="missing.csv: counselchat input not found"):
        state.result()
