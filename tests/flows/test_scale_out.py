"""Scale-out: prepare and synthesis sharded over a real local two-worker cluster (Dask via prefect-dask,
Ray via prefect-ray) write exactly the rows of the single-process path, and the shard tasks ran there."""

from __future__ import annotations

import pytest
from flow_helpers import demo_config_copy
from test_full_flow import _subflow_task_states

from flows.full import full_flow
from interosight_core import warehouse
from interosight_core.config import load_config
from interosight_core.errors import ConfigError
from interosight_core.scale_out import ScaleOutConfig

STAGES = ["ingest", "prepare", "synthesize"]
SYNTH_VOLATILE = "run_id, started_at, finished_at"
# The prepare fingerprint holds the warehouse's instance id, which differs between the two work dirs.
PREPARE_VOLATILE = "prepared_at, prepare_fingerprint"
TABLES = {
    "prepared_posts": PREPARE_VOLATILE, "post_flags": PREPARE_VOLATILE, "dialog_examples": PREPARE_VOLATILE,
    "length_summary": PREPARE_VOLATILE, "synth_requests": SYNTH_VOLATILE, "synth_responses": SYNTH_VOLATILE,
    "preference_pairs": SYNTH_VOLATILE,
}


def _snapshot(cfg) -> dict[str, list[tuple]]:
    with warehouse.open_warehouse(cfg.warehouse_path, read_only=True) as con:
        return {t: sorted(con.execute(f"SELECT * EXCLUDE ({volatile}) FROM {t}").fetchall(), key=repr)
                for t, volatile in TABLES.items()}


def _run(tmp_path, name: str, scale_out: dict | None):
    overrides = {"synthesis": {"max_posts": 40, "batch_size": 8, "preferences": {"max_pairs": 8}}}
    if scale_out:
        overrides["scale_out"] = scale_out
    (tmp_path / name).mkdir()
    config = demo_config_copy(tmp_path / name, **overrides)
    state = full_flow(config_path=str(config), stages=STAGES, return_state=True)
    assert state.is_completed(), state.message
    return load_config(config), state


@pytest.fixture(scope="module")
def single_process(tmp_path_factory):
    """The reference: the same stages in the flow's own process."""
    tmp_path = tmp_path_factory.mktemp("single")
    cfg, state = _run(tmp_path, "single", None)
    return cfg, state, _snapshot(cfg)


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["dask", "ray"])
def test_sharded_prepare_and_synthesis_match_the_single_process_path(tmp_path, single_process, runner):
    if runner == "ray":
        pytest.importorskip("prefect_ray", reason="prefect-ray is not installed (pip install 'interosight[ray]')")
    single_cfg, single, expected = single_process
    sharded_cfg, sharded = _run(tmp_path, runner, {"task_runner": runner, "workers": 2, "prepare_shards": 3,
                                               "batches_per_shard": 2})
    got = _snapshot(sharded_cfg)
    assert {t: len(r) for t, r in got.items()} == {t: len(r) for t, r in expected.items()}
    assert all(len(got[t]) > 0 for t in TABLES)
    for table in TABLES:
        assert got[table] == expected[table], table

    result = sharded.result()
    assert result["prepare"]["kept"] == single.result()["prepare"]["kept"]
    report = result["synthesize"]["report"]
    assert report["requests"] == single.result()["synthesize"]["report"]["requests"]
    assert report["accepted"] == single.result()["synthesize"]["report"]["accepted"]

    shard_tasks = {f"prepare-shard-{i}" for i in range(3)} | {"prepare-merge", "synthesize-shard-0"}
    states = _subflow_task_states(sharded, set(), timeout=0)  # the stage subflows; the sharded ones are nested
    nested = _nested_task_states(sharded, shard_tasks)
    assert all(nested[name] == "Completed" for name in shard_tasks), nested
    assert "synthesize-template" not in states  # the single-process task did not run
    with warehouse.open_warehouse(sharded_cfg.warehouse_path, read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT run_id) FROM synth_requests").fetchone()[0] == 1
    assert not (sharded_cfg.work_dir / "shards").exists() or not any((sharded_cfg.work_dir / "shards").iterdir())

    # Nothing changed: the sharded path does no work (the warehouse already holds the prepare run and every request).
    again = full_flow(config_path=str(tmp_path / runner / "config.yaml"), stages=STAGES, return_state=True)
    assert again.is_completed()
    assert again.result()["synthesize"]["report"]["requests"] == 0
    assert again.result()["prepare"]["status"] == "unchanged"
    assert _snapshot(sharded_cfg) == got


def _nested_task_states(parent_state, expected: set[str]) -> dict[str, str]:
    """{task run name: state} over the subflows of the parent's subflows (the sharded stage flows)."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId, TaskRunFilter, \
        TaskRunFilterFlowRunId

    async def collect():
        async with get_client() as client:
            async def children(ids):
                runs = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=ids)))
                return [r.id for r in runs]
            level1 = await children([parent_state.state_details.flow_run_id])
            level2 = await children(level1) if level1 else []
            tasks = await client.read_task_runs(task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=level2)))
            return {t.name: t.state.name for t in tasks}

    return asyncio.run(collect())


def test_task_runner_errors_name_the_field():
    from flows.task_runners import make_task_runner

    with pytest.raises(ConfigError, match="scale_out.task_runner: 'local' does not shard"):
        make_task_runner(ScaleOutConfig())
    assert ScaleOutConfig(task_runner="dask", stages=["prepare"]).shards("prepare")
    assert not ScaleOutConfig(task_runner="dask", stages=["prepare"]).shards("synthesize")
    assert not ScaleOutConfig().shards("prepare")
    assert ScaleOutConfig(workers=3).post_shards == 3 and ScaleOutConfig(prepare_shards=5).post_shards == 5
