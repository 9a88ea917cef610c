"""Scale-out settings: which Prefect task runner shards the prepare and synthesis stages, and how.

`scale_out.task_runner: local` (the default) runs every stage in the flow's
own process. `dask` (via prefect-dask) or `ray` (via prefect-ray) run the
prepare stage's post shards and the synthesis stage's request shards as
Prefect tasks on a cluster: a local one of `workers` processes started for
the run, or an existing one at `address`. The sharded path writes exactly
the rows the single-process path writes (tested); it changes where the work
runs, never what it produces, so it is not part of any cache key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SHARDABLE_STAGES = ("prepare", "synthesize")


class ScaleOutConfig(BaseModel):
    """Where the prepare and synthesis stages run: in-process, or sharded over a Dask or Ray cluster."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_runner: Literal["local", "dask", "ray"] = Field(
        "local", description="local: one process (default). dask: prefect-dask DaskTaskRunner. "
        "ray: prefect-ray RayTaskRunner (install the `ray` extra).")
    address: str | None = Field(
        None, description="An existing cluster: a Dask scheduler ('tcp://host:8786') or a Ray address "
        "('ray://host:10001', 'auto'). null = start a local cluster of `workers` processes for the run.")
    workers: int = Field(2, ge=1, description="Worker processes of the local cluster (one thread each).")
    stages: list[Literal["prepare", "synthesize"]] = Field(
        default_factory=lambda: list(SHARDABLE_STAGES), description="Stages to shard when task_runner is not local.")
    prepare_shards: int | None = Field(
        None, ge=1, description="Post shards of the prepare stage (by hash of source and post id); null = `workers`.")
    batches_per_shard: int = Field(
        4, ge=1, description="Synthesis batches per shard task. A shard's rows are written when it finishes, "
        "so a kill loses at most the shards in flight.")

    def shards(self, stage: str) -> bool:
        """True when `stage` runs sharded on the cluster."""
        return self.task_runner != "local" and stage in self.stages

    @property
    def post_shards(self) -> int:
        """How many shards the prepare stage splits the posts into."""
        return self.prepare_shards or self.workers


__all__ = ["SHARDABLE_STAGES", "ScaleOutConfig"]
