"""The latest pipeline runs of a config, read back from the Prefect API (what `interosight status` shows).

Prefect run state is the pipeline's status: this module only reads it. A
run belongs to a config when its `config_path` parameter names the same
file (compared as resolved paths, so `deployments/demo.yaml` and its
absolute path match). Each run is listed with its state, start time,
duration and the state of every stage subflow.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

#: Flows a pipeline run starts with: the full flow (and the regeneration flow, same name) or one stage run alone.
PIPELINE_FLOWS = ("interosight", "ingest", "prepare", "synthesize", "train", "evaluate")


def _same_config(param: object, config: Path) -> bool:
    if not isinstance(param, str):
        return False
    try:
        return Path(param).expanduser().resolve() == config.expanduser().resolve()
    except OSError:
        return False


async def _read(config: Path, limit: int, scan: int) -> list[dict]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterId,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        FlowRunFilterParentTaskRunId,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as client:
        top = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=list(PIPELINE_FLOWS))),
            flow_run_filter=FlowRunFilter(parent_task_run_id=FlowRunFilterParentTaskRunId(is_null_=True)),
            sort=FlowRunSort.START_TIME_DESC, limit=scan,
        )
        mine = [r for r in top if _same_config(r.parameters.get("config_path"), config)][:limit]
        out = []
        for run in mine:
            children = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id])),
                sort=FlowRunSort.START_TIME_ASC,
            )
            names = {f.id: f.name for f in await client.read_flows(
                flow_filter=FlowFilter(id=FlowFilterId(any_=list({c.flow_id for c in children}))))} if children else {}
            flow = (await client.read_flow(run.flow_id)).name
            out.append({
                "id": str(run.id),
                "name": run.name,
                "flow": flow,
                "deployment": str(run.deployment_id) if run.deployment_id else None,
                "state": run.state_name,
                "start_time": run.start_time.isoformat() if run.start_time else None,
                "seconds": round(run.total_run_time.total_seconds(), 1),
                "stages": [{"stage": names.get(c.flow_id, "?"), "state": c.state_name,
                            "seconds": round(c.total_run_time.total_seconds(), 1)} for c in children],
            })
        return out


def latest_runs(config: str | Path, limit: int = 5, scan: int = 200) -> list[dict]:
    """The `limit` newest top-level pipeline runs of `config` (among the `scan` newest), newest first.

    Each: id, name, flow, deployment id, state, start time, seconds, and its stage subflows' states.
    """
    return asyncio.run(_read(Path(config), limit, scan))


def render_runs(runs: list[dict]) -> str:
    """Text lines for the CLI: one line per run, its stages indented under it."""
    if not runs:
        return "no pipeline runs of this config on the Prefect API yet (run `interosight run`)"
    lines = ["latest runs (Prefect API):"]
    for run in runs:
        start = (run["start_time"] or "not started")[:19].replace("T", " ")
        lines.append(f"  {start}  {run['flow']}  {run['name']}  {run['state']}  {run['seconds']:.0f} s")
        if run["stages"]:
            lines.append("    " + ", ".join(f"{s['stage']} {s['state']}" for s in run["stages"]))
    return "\n".join(lines)
