"""Benchmark: the full demo pipeline on the bundled sample, cold then cached, in one run.

Runs the `interosight` flow (embedded mode: Prefect's ephemeral API in this
process) on deployments/demo.yaml with a fresh work dir and a fresh
PREFECT_HOME under benchmarks/out/pipeline/, then runs it again unchanged.
Reads every stage's subflow run and task runs back from the Prefect API and
prints:

- wall time per stage (subflow run time) and the whole cold run;
- orchestration overhead: the flow's wall time minus the sum of its task
  run times (Prefect start-up excluded: it is measured separately as the
  time to the first flow run), as a share of the cold run (target <= 10 %);
- the cached re-run's wall time (every heavy task `Cached`).

Target: whole demo <= 10 minutes on a 2-core machine.

Usage: python benchmarks/pipeline.py [--config deployments/demo.yaml]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "pipeline"
sys.path.insert(0, str(ROOT))


def _config(path: Path) -> Path:
    """The config with absolute sample paths and a fresh work dir under benchmarks/out/."""
    import yaml

    data = yaml.safe_load(path.read_text())
    for source in data["ingest"]["sources"]:
        source["path"] = str((ROOT / source["path"]).resolve())
    data["work_dir"] = str(OUT / "work")
    target = OUT / "config.yaml"
    target.write_text(yaml.safe_dump(data))
    return target


async def _runs(flow_run_id) -> tuple[list, list, dict]:
    """(subflow runs, task runs of the parent and every subflow, flow id -> flow name) from the API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterId,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )

    async with get_client() as client:
        subflows = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])))
        ids = [flow_run_id, *(r.id for r in subflows)]
        tasks = await client.read_task_runs(task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=ids)), limit=200)
        flows = await client.read_flows(flow_filter=FlowFilter(id=FlowFilterId(any_=list({r.flow_id for r in subflows}))))
    return subflows, tasks, {f.id: f.name for f in flows}


def main() -> None:
    """Run the pipeline cold and cached; print the per-stage table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "deployments" / "demo.yaml")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    os.environ["PREFECT_HOME"] = str(OUT / "prefect-home")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True)
    config = _config(args.config)

    from flows.full import full_flow

    t0 = time.perf_counter()
    cold = full_flow(config_path=str(config), return_state=True)
    cold_s = time.perf_counter() - t0
    assert cold.is_completed(), cold.message
    subflows, tasks, flow_names = asyncio.run(_runs(cold.state_details.flow_run_id))
    t0 = time.perf_counter()
    warm = full_flow(config_path=str(config), return_state=True)
    warm_s = time.perf_counter() - t0
    _, warm_tasks, _ = asyncio.run(_runs(warm.state_details.flow_run_id))

    stage_ids = {r.id for r in subflows}
    # only the stages' own task runs: the parent's task runs are placeholders for its subflows (same time again)
    task_s = sum(t.total_run_time.total_seconds() for t in tasks if t.flow_run_id in stage_ids)
    stage_rows = sorted(subflows, key=lambda r: r.start_time)
    flow_wall = sum(r.total_run_time.total_seconds() for r in stage_rows)
    print(f"\n| stage | wall s (cold) | tasks |")
    print("|---|---|---|")
    for run in stage_rows:
        names = sorted(t.name for t in tasks if t.flow_run_id == run.id)
        print(f"| {flow_names[run.flow_id]} | {run.total_run_time.total_seconds():.1f} | {len(names)} |")
    overhead = flow_wall - task_s
    print(f"\ncold run: {cold_s:.1f} s end to end; stages {flow_wall:.1f} s; their tasks {task_s:.1f} s; "
          f"Prefect start-up and the parent flow {cold_s - flow_wall:.1f} s")
    print(f"orchestration overhead (stage wall - task time): {overhead:.1f} s = {100 * overhead / cold_s:.1f} % of the cold run (target <= 10 %)")
    real = [t for t in warm_tasks if t.flow_run_id != warm.state_details.flow_run_id]
    cached = sum(1 for t in real if t.state_name == "Cached")
    heavy = sorted(t.name for t in real if t.state_name != "Cached")
    print(f"cached re-run: {warm_s:.1f} s (target <= 60 s); {cached} of {len(real)} task runs Cached; "
          f"the others are never cached (fingerprints, plans, summaries): {', '.join(heavy)}")
    print(f"whole demo target <= 600 s: {'met' if cold_s <= 600 else 'NOT met'} ({cold_s:.0f} s)")


if __name__ == "__main__":
    main()
