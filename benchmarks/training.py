"""Benchmark: SFT throughput of our training configuration vs TRL's out-of-the-box defaults, tiny model, CPU.

One command, one run, every contender on the same data, the same tiny base
model and the same number of optimizer steps, each in its own subprocess (so
each reports its own peak RSS), interleaved over ``--rounds`` rounds (best
round kept: other work on a shared machine only ever slows a run down):

- ``trl-defaults``: ``SFTTrainer`` with ``SFTConfig()`` as shipped (batch 8,
  padding, gradient checkpointing on, max_length 1024, fused AdamW, loss on
  every token), only ``bf16=False`` (TRL's default bf16 refuses to start on
  a CPU), the same LoRA adapter as ours and the same conversations;
- ``ours``: the training config of ``--config`` (default
  deployments/demo.yaml), i.e. what ``interosight run`` trains with;
- ``ours-fused-head``: our config with TRL's fused, chunked LM-head loss
  (``loss_head: fused``, TRL's only path) instead of the loss over full
  logits that ``loss_head: auto`` picks on CPU;
- ``ours-padding`` / ``ours-packing`` / ``ours-padding-free``: our config
  with only the batching strategy changed: plain padding of random batches
  (no length grouping), packing (blocks of ``batch x mean length`` tokens,
  one block per micro-batch, so a step sees about as many tokens as with
  padding), padding-free (the batch flattened, no padding at all);
- ``ours-qlora-4bit``: our config on a bitsandbytes NF4 4-bit base (QLoRA).

Tokens/s counts non-padding tokens (TRL's own count: attention-mask sum, or
the packed length). The data: the SFT mixture of the last (or only) SFT stage
of ``--config`` drawn from the warehouse of the config's work dir copy under
``benchmarks/out/training/`` (built with ``interosight run -s ingest -s
prepare -s synthesize`` on first use), or from ``--warehouse``. Sources the
warehouse lacks are dropped from the mixture (printed).

Usage: python benchmarks/training.py [--config deployments/demo.yaml] [--steps 30] [--rounds 2]
                                     [--threads 2] [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out" / "training"

CONTENDERS = ("trl-defaults", "ours", "ours-fused-head", "ours-padding", "ours-packing", "ours-padding-free",
              "ours-qlora-4bit")


# --- the contenders (run in a subprocess: `--worker NAME --spec FILE`) ---------------------------


def _peak_rss_mb() -> float:
    """Peak RSS of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(name: str, spec_path: Path) -> dict:
    """Train one contender for the spec's steps; return its measurements."""
    import torch

    spec = json.loads(spec_path.read_text())
    torch.set_num_threads(spec["threads"])
    rows = [json.loads(line) for line in Path(spec["data"]).read_text().splitlines() if line.strip()]
    out_dir = OUT / "runs" / name
    import shutil

    shutil.rmtree(out_dir, ignore_errors=True)
    from interosight_core.train.config import SFTStageConfig

    sft = SFTStageConfig.model_validate(spec["sft"])
    if name == "trl-defaults":
        from datasets import Dataset
        from peft import LoraConfig
        from trl import SFTConfig, SFTTrainer

        from interosight_core.train.data import to_conversation_dataset

        ds = Dataset.from_dict({"messages": list(to_conversation_dataset(rows, sft.system_prompt)["messages"])})
        lc = sft.lora
        peft_config = LoraConfig(r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout, target_modules=lc.target_modules,
                                 modules_to_save=lc.modules_to_save, task_type="CAUSAL_LM")
        args = SFTConfig(output_dir=str(out_dir), bf16=False, max_steps=spec["steps"], report_to="none",
                         save_strategy="no", disable_tqdm=True, logging_steps=10)
        trainer = SFTTrainer(model=spec["base"], args=args, train_dataset=ds, peft_config=peft_config)
        t0 = time.perf_counter()
        output = trainer.train()
        runtime = output.metrics.get("train_runtime", time.perf_counter() - t0)
        tokens = trainer._total_train_tokens
        steps = trainer.state.global_step
    else:
        from interosight_core.train.sft import run_sft

        update: dict = {"max_steps": spec["steps"], "save_steps": 10_000, "report_to": [], "num_threads": spec["threads"],
                        "logging_steps": 10, "resume": False}
        if name == "ours-fused-head":
            update |= {"loss_head": "fused"}
        elif name == "ours-padding":
            update |= {"batching": "padding", "group_by_length": False}
        elif name == "ours-packing":
            block = spec["batch"] * spec["mean_tokens"]
            update |= {"batching": "packing", "per_device_train_batch_size": 1, "max_length": block,
                       "gradient_accumulation_steps": sft.gradient_accumulation_steps}
        elif name == "ours-padding-free":
            update |= {"batching": "padding_free"}
        elif name == "ours-qlora-4bit":
            update |= {"quantization": {"mode": "4bit"}}
        cfg = sft.model_copy(update={k: v for k, v in update.items() if k != "quantization"})
        if "quantization" in update:
            from interosight_core.train.config import QuantizationSettings

            cfg = cfg.model_copy(update={"quantization": QuantizationSettings(**update["quantization"])})
        result = run_sft(cfg, spec["base"], rows, out_dir)
        runtime, steps = result.train_runtime_s, result.global_step
        tokens = (result.tokens_per_second or 0.0) * runtime
    return {"name": name, "steps": steps, "runtime_s": runtime, "tokens": tokens,
            "tokens_per_s": tokens / runtime if runtime else 0.0, "peak_rss_mb": _peak_rss_mb()}


# --- orchestration -------------------------------------------------------------------------------


def _warehouse(config: Path, given: str | None) -> Path:
    """The warehouse to read: `--warehouse`, or the config's pipeline run into benchmarks/out/training/ (once)."""
    if given:
        return Path(given)
    import yaml

    data = yaml.safe_load(config.read_text())
    for source in data.get("ingest", {}).get("sources", []):
        source["path"] = str((ROOT / source["path"]).resolve()) if not Path(source["path"]).is_absolute() else source["path"]
    data["work_dir"] = str(OUT / "work")
    copy = OUT / "config.yaml"
    OUT.mkdir(parents=True, exist_ok=True)
    copy.write_text(yaml.safe_dump(data))
    wh = OUT / "work" / "warehouse.duckdb"
    from interosight_core.train.warehouse_data import source_fingerprints

    if not wh.exists() or source_fingerprints(wh, ["synthetic"])["synthetic"]["rows"] == 0:
        from flows.full import STAGES

        stages = [s for s in ("ingest", "prepare", "synthesize") if s in STAGES]
        print(f"building the benchmark warehouse: interosight run {' '.join('-s ' + s for s in stages)} ...", flush=True)
        cmd = [sys.executable, "-m", "flows.cli", "run", "-c", str(copy), *[a for s in stages for a in ("-s", s)]]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0 and not wh.exists():
            sys.exit(f"could not build the benchmark warehouse:\n{proc.stderr[-2000:]}")
        if proc.returncode != 0:
            print(f"note: `interosight run` failed ({proc.stderr.strip().splitlines()[-1][:200]}); using what the warehouse holds")
    return wh


def _prepare(args) -> Path:
    """Draw the data, build the tiny model, write the spec every worker reads; return its path."""
    from interosight_core.config import load_config
    from interosight_core.train.curriculum import mix_sources, stage_sft_config
    from interosight_core.train.models import build_tiny_model, load_tokenizer
    from interosight_core.train.warehouse_data import load_base_corpus, load_sft_sources

    cfg = load_config(args.config)
    t = cfg.training
    wh = _warehouse(Path(args.config), args.warehouse)
    if t.curriculum is not None:
        stage = t.curriculum.stages[-1]
        sft = stage_sft_config(t.sft, stage)
        mixture, seed = dict(stage.mixture), t.curriculum.seed
    else:
        sft, mixture, seed = t.sft, dict(t.mixture), t.sft.seed
    sources = load_sft_sources(wh, names=[n for n, w in mixture.items() if w > 0])
    dropped = sorted(n for n, rows in sources.items() if not rows)
    if dropped:
        print(f"note: the warehouse has no rows for {dropped}; they are left out of the benchmark mixture")
    mixture = {n: w for n, w in mixture.items() if n not in dropped and w > 0}
    n = sft.per_device_train_batch_size * sft.gradient_accumulation_steps * args.steps
    ds = mix_sources(sources, mixture, n, seed=seed)
    data = OUT / "data.jsonl"
    OUT.mkdir(parents=True, exist_ok=True)
    data.write_text("".join(json.dumps(m) + "\n" for m in ds["messages"]))
    base = OUT / "base"
    if not (base / "config.json").is_file():
        build_tiny_model(base, load_base_corpus(wh, [sft.system_prompt] if sft.system_prompt else []), config=t.tiny)
    tok = load_tokenizer(base)
    from interosight_core.train.data import inject_system_prompt

    lengths = [len(tok.apply_chat_template(inject_system_prompt(m, sft.system_prompt), tokenize=True, return_dict=True)["input_ids"])
               for m in ds["messages"]]
    spec = {"sft": sft.model_dump(mode="json"), "base": str(base), "data": str(data), "steps": args.steps,
            "threads": args.threads, "batch": sft.per_device_train_batch_size, "mean_tokens": int(statistics.mean(lengths)),
            "mixture": mixture, "examples": len(ds)}
    path = OUT / "spec.json"
    path.write_text(json.dumps(spec, indent=2))
    print(f"data: {len(ds)} conversations {mixture}, mean {spec['mean_tokens']} tokens; {args.steps} steps; "
          f"{args.threads} torch threads; our config: batching={sft.batching}, batch {sft.per_device_train_batch_size}, "
          f"group_by_length={sft.group_by_length}, gradient_checkpointing={sft.gradient_checkpointing}")
    return path


def main() -> None:
    """Run every contender `--rounds` times, interleaved, and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=str(ROOT / "deployments" / "demo.yaml"))
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warehouse", default=None)
    p.add_argument("--only", nargs="*", default=None, help="Run only these contenders.")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--spec", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(_worker(args.worker, Path(args.spec))), flush=True)
        return
    spec = _prepare(args)
    names = args.only or list(CONTENDERS)
    best: dict[str, dict] = {}
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS=str(args.threads))
    for r in range(args.rounds):
        for name in names:
            proc = subprocess.run([sys.executable, __file__, "--worker", name, "--spec", str(spec)], cwd=ROOT,
                                  capture_output=True, text=True, env=env)
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                print(f"{name}: failed\n{proc.stderr[-1500:]}")
                continue
            res = json.loads(line[7:])
            print(f"round {r + 1} {name}: {res['tokens_per_s']:.0f} tokens/s, {res['runtime_s']:.1f} s, "
                  f"peak RSS {res['peak_rss_mb']:.0f} MiB, load {os.getloadavg()[0]:.1f}", flush=True)
            if name not in best or res["tokens_per_s"] > best[name]["tokens_per_s"]:
                best[name] = res
    ref = best.get("trl-defaults", {}).get("tokens_per_s")
    print(f"\n| contender | tokens/s | s/step | peak RSS MiB | vs TRL defaults |\n| --- | ---: | ---: | ---: | ---: |")
    for name in names:
        if name in best:
            b = best[name]
            ratio = f"{b['tokens_per_s'] / ref:.2f}x" if ref else "n/a"
            print(f"| {name} | {b['tokens_per_s']:.0f} | {b['runtime_s'] / max(b['steps'], 1):.2f} | {b['peak_rss_mb']:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
