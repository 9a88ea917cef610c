"""Sharded prepare (the scale-out path's core): shards + merge write exactly what one process writes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from interosight_core.errors import WarehouseError
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.stage import merge_prepare_shards, plan_prepare, prepare_shard, run_prepare, shard_paths

from .stage_helpers import copy_warehouse, rows
from .test_prepare_stage_run import snapshot


def _sharded(path: Path, cfg: PrepareConfig, shards: int, parallel: bool = False):
    plan = plan_prepare(path, cfg)
    assert plan.unchanged is None
    paths = shard_paths(path, plan, shards)
    if parallel:  # other processes (spawned, like Dask and Ray workers), reading the warehouse read-only side by side
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            counts = list(pool.map(prepare_shard, [path] * shards, [cfg] * shards, range(shards), [shards] * shards, paths))
    else:
        counts = [prepare_shard(path, cfg, i, shards, p) for i, p in enumerate(paths)]
    assert all(n > 0 for n in counts)
    report = merge_prepare_shards(path, cfg, plan, paths)
    assert not any(Path(p).exists() for p in paths) and not Path(paths[0]).parent.exists()
    return counts, report


@pytest.mark.parametrize("cfg", [PrepareConfig(), PrepareConfig(max_posts=500, min_relevance_score=0.2)],
                         ids=["default", "max_posts"])
def test_sharded_prepare_writes_the_single_process_rows(sample_warehouse, tmp_path, cfg) -> None:
    single = copy_warehouse(sample_warehouse, tmp_path, "single.duckdb")
    sharded = copy_warehouse(sample_warehouse, tmp_path, "sharded.duckdb")
    expected = run_prepare(single, cfg)
    counts, report = _sharded(sharded, cfg, 3, parallel=cfg.max_posts is None)
    assert sum(counts) == expected.posts_in == 3000
    assert snapshot(sharded) == snapshot(single)
    got, want = report.to_dict(), expected.to_dict()
    for volatile in ("seconds",):
        got.pop(volatile), want.pop(volatile)
    assert got == want
    if cfg.max_posts:
        assert rows(sharded, "SELECT count(*) FROM prepared_posts WHERE status = 'kept'")[0][0] == 500
        assert report.excluded["over_max_posts"] > 0
        assert rows(sharded, "SELECT count(*) FROM prepared_posts WHERE exclude_reason = 'over_max_posts' "
                             "AND text_redacted IS NOT NULL")[0][0] == 0
    assert plan_prepare(sharded, cfg).unchanged is not None  # the warehouse records the run as done


def test_merge_refuses_a_missing_shard_and_leaves_the_warehouse_alone(sample_warehouse, tmp_path) -> None:
    path = copy_warehouse(sample_warehouse, tmp_path)
    cfg = PrepareConfig()
    plan = plan_prepare(path, cfg)
    paths = shard_paths(path, plan, 2)
    prepare_shard(path, cfg, 0, 2, paths[0])
    with pytest.raises(FileNotFoundError, match="posts-1-of-2.duckdb: prepare shard missing"):
        merge_prepare_shards(path, cfg, plan, paths)
    assert rows(path, "SELECT count(*) FROM prepared_posts")[0][0] == 0
    with pytest.raises(ValueError, match="shard 2 is not in 0..1"):
        prepare_shard(path, cfg, 2, 2, paths[1])
    with pytest.raises(WarehouseError, match="no warehouse here yet"):
        prepare_shard(tmp_path / "absent.duckdb", cfg, 0, 2, paths[1])
