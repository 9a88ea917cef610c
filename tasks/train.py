"""Training tasks: base model, SFT stages, DPO, merge (each cached), and their artifacts.

Every training task is cached (`INPUTS`, persisted) on what decides its
output: its stage config, the fingerprints of the warehouse rows it reads,
the base model's and the upstream adapter's content fingerprints, the
launcher and the training code version. The warehouse handle is left out of
the key (`INPUTS - "store"`), so a rebuilt warehouse with the same rows
trains nothing. Each task writes into a run folder named by the same key
(`<work_dir>/runs/train/<NN>_<stage>/<key>`), so a folder never mixes two
configurations: a killed stage resumes from its own last checkpoint, and a
changed config starts a fresh folder. Tasks return small dicts (paths,
fingerprints, a summary); the flow passes only `{adapter, fingerprint}` on.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.cache_policies import INPUTS, NO_CACHE

from interosight_core.config import PipelineConfig
from interosight_core.fingerprint import code_version, file_sha256
from interosight_core.train.config import (
    CurriculumStage,
    DPOStageConfig,
    LauncherConfig,
    MergeConfig,
    QuantizationSettings,
    SFTStageConfig,
    TinyModelConfig,
    TrainError,
    TrainingConfig,
)
from interosight_core.warehouse import WarehouseRef, warehouse_ref
from tasks.common import results_dir

BASE_DIR = Path("models") / "base"
MERGED_DIR = Path("models") / "merged"
RUNS_DIR = Path("runs") / "train"


def train_code_version() -> str:
    """Version of the code that decides what training produces: the training core, the hold-out rule, the
    redaction rules (applied to crisis training inputs), this module."""
    digest = hashlib.sha256((code_version("train", "heldout", "prepare/safety", "prepare/safety_redact_rules") + ":").encode()
                            + Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _key(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (names run folders)."""
    payload = json.dumps(parts, sort_keys=True, default=lambda o: o.model_dump(mode="json") if hasattr(o, "model_dump") else str(o))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _slug(name: str) -> str:
    """A stage name as a folder / artifact-key fragment (lowercase letters, digits, dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "stage"


def folder_fingerprint(path: str | Path, names: tuple[str, ...] | None = None) -> str:
    """sha256 over a folder's file names and contents (only ``names`` when given)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file() and (names is None or p.name in names))
    for f in files:
        digest.update(f.name.encode())
        digest.update(file_sha256(f).encode())
    return digest.hexdigest()


def adapter_fingerprint(adapter_dir: str | Path) -> str:
    """Content fingerprint of an adapter (weights + config): what a downstream stage's key depends on."""
    return folder_fingerprint(adapter_dir, ("adapter_model.safetensors", "adapter_config.json"))


def _progress(description: str):
    """A progress callback for the training runners: drives a Prefect progress artifact and logs ~every 10%."""
    logger = get_run_logger()
    artifact_id = create_progress_artifact(progress=0.0, description=description)
    state = {"logged": -1}

    def progress(step: int, max_steps: int, logs: dict[str, float]) -> None:
        """Update the artifact; log the loss when a new tenth of the steps is reached."""
        pct = round(100.0 * step / max_steps, 1) if max_steps else 0.0
        update_progress_artifact(artifact_id, progress=pct, description=f"{description}: step {step}/{max_steps}")
        decile = int(pct // 10)
        if "loss" in logs and decile > state["logged"]:
            state["logged"] = decile
            logger.info("%s: step %d/%d loss %.4f lr %.2e", description, step, max_steps, logs["loss"], logs.get("learning_rate", 0.0))

    return progress


def _stage_table(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a stage's table artifact (metric, value)."""
    return [{"metric": k, "value": v if not isinstance(v, float) else round(v, 4)} for k, v in summary.items()]


# --- base model --------------------------------------------------------------------------------


@task(name="training-corpus", cache_policy=NO_CACHE, task_run_name="training-corpus")
def fingerprint_base_corpus(store: WarehouseRef, extra_texts: list[str]) -> str:
    """Fingerprint of the texts the tiny model's tokenizer is trained on (kept posts + dialog turns + system prompt)."""
    from interosight_core.train.warehouse_data import corpus_fingerprint, load_base_corpus

    return corpus_fingerprint(load_base_corpus(store.path, extra_texts))


@task(name="build-base-model", cache_policy=INPUTS - "store", persist_result=True, task_run_name="build-base-model")
def build_base_model(tiny: TinyModelConfig, extra_texts: list[str], corpus_fp: str, store: WarehouseRef, work_dir: str,
                     code: str) -> dict:
    """Build the tiny Llama + tokenizer from the warehouse corpus into ``<work_dir>/models/base/<key>``.

    Deterministic: the same corpus and config give byte-identical files. A
    folder already holding this corpus and config is reused as is.
    """
    from interosight_core.train.models import build_tiny_model
    from interosight_core.train.warehouse_data import corpus_fingerprint, load_base_corpus

    logger = get_run_logger()
    out = Path(work_dir) / BASE_DIR / _key(tiny, corpus_fp, code)
    info_path = out / "build_info.json"
    if info_path.is_file() and json.loads(info_path.read_text()).get("corpus_sha256") == corpus_fp:
        logger.info("tiny base model already built at %s", out)
    else:
        corpus = load_base_corpus(store.path, extra_texts)
        if corpus_fingerprint(corpus) != corpus_fp:
            raise TrainError(f"{store.path}: the warehouse changed while the training stage ran; run it again")
        build_tiny_model(out, corpus, config=tiny)
        logger.info("built the tiny base model from %d texts -> %s", len(corpus), out)
    return {"path": str(out), "fingerprint": folder_fingerprint(out, ("model.safetensors", "tokenizer.json", "config.json"))}


def _external_base(name: str) -> dict:
    """A configured local folder (fingerprinted by file names and sizes) or a Hub name (fingerprinted by name)."""
    local = Path(name).expanduser()
    if local.is_dir():
        local = local.resolve()
        digest = hashlib.sha256()
        for f in sorted(p for p in local.rglob("*") if p.is_file()):
            digest.update(f"{f.relative_to(local).as_posix()}:{f.stat().st_size}".encode())
        if (local / "config.json").is_file():
            digest.update(file_sha256(local / "config.json").encode())
        return {"path": str(local), "fingerprint": digest.hexdigest()}
    if local.exists() or name.startswith((".", "/", "~")):
        raise TrainError(f"training.base_model: {name} is not a model folder (expected config.json + weights, or a Hub name)")
    return {"path": name, "fingerprint": hashlib.sha256(name.encode()).hexdigest()}


def base_model_ref(cfg: PipelineConfig) -> dict:
    """``{"path", "fingerprint"}`` of the training base model; builds (cached) the tiny model when ``base_model: tiny``."""
    t = cfg.training
    if t.base_model != "tiny":
        return _external_base(t.base_model)
    store = warehouse_ref(cfg.warehouse_path)
    extra = [t.sft.system_prompt] if t.sft.system_prompt else []
    corpus_fp = fingerprint_base_corpus(store, extra)
    builder = build_base_model.with_options(result_storage=results_dir(cfg))
    ref = builder(t.tiny, extra, corpus_fp, store, str(Path(cfg.work_dir).resolve()), train_code_version())
    if not Path(ref["path"], "config.json").is_file():  # cached result, but someone deleted the folder
        ref = builder.with_options(refresh_cache=True)(t.tiny, extra, corpus_fp, store, str(Path(cfg.work_dir).resolve()),
                                                      train_code_version())
    return ref


def ensure_base_model(cfg: PipelineConfig) -> str:
    """The base model folder (or Hub name) of ``cfg``; builds the tiny model once per work dir and corpus (cached task).

    Call it inside a flow (the synthesis flow does, for LLM backends with
    ``model: tiny``); it returns the same folder the training stage uses.
    """
    return base_model_ref(cfg)["path"]


# --- data fingerprints ---------------------------------------------------------------------------


@task(name="training-data", cache_policy=NO_CACHE, task_run_name="training-data")
def fingerprint_training_data(store: WarehouseRef) -> dict[str, dict[str, Any]]:
    """Rows and sha256 of every training source and of the preference pairs (never cached: reads the warehouse)."""
    from interosight_core.train.warehouse_data import source_fingerprints

    return source_fingerprints(store.path)


def planned_sft_stages(t: TrainingConfig) -> list[CurriculumStage]:
    """The SFT stages to run: the curriculum's, or one stage from ``training.mixture`` and ``training.sft``."""
    if t.curriculum is not None:
        if not t.curriculum.stages:
            raise TrainError("training.curriculum.stages is empty; give at least one stage or set curriculum: null")
        return list(t.curriculum.stages)
    s = t.sft
    return [CurriculumStage(name=s.name, mixture=t.mixture, num_examples=t.num_examples, learning_rate=s.learning_rate,
                            num_train_epochs=s.num_train_epochs, max_steps=s.max_steps)]


# --- SFT -----------------------------------------------------------------------------------------


def _sft_summary(result, mixture_counts: dict[str, int], run_dir: Path) -> dict[str, Any]:
    """The loss summary and throughput of one SFT stage (table artifact + flow result)."""
    losses = [v for _, v in result.loss_history]
    return {
        "steps": result.global_step,
        "examples": result.num_examples,
        "mixture": ", ".join(f"{k} {v}" for k, v in sorted(mixture_counts.items())),
        "first_loss": losses[0] if losses else None,
        "final_loss": result.final_loss,
        "min_loss": min(losses) if losses else None,
        "tokens_per_second": round(result.tokens_per_second or 0.0, 1),
        "train_runtime_s": round(result.train_runtime_s, 1),
        "trainable_params": result.trainable_params,
        "total_params": result.total_params,
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "resumed_from": result.resumed_from_checkpoint or "",
        "loss_curve_png": str(result.loss_curve_png or ""),
        "run_dir": str(run_dir),
    }


@task(name="sft-stage", cache_policy=INPUTS - "store", persist_result=True, task_run_name="sft-{stage.name}")
def train_sft_stage(sft: SFTStageConfig, stage: CurriculumStage, index: int, mix_seed: int, replacement: str,
                    data_fp: dict[str, dict[str, Any]], store: WarehouseRef, base: dict, upstream: dict | None,
                    launcher: LauncherConfig | None, work_dir: str, code: str) -> dict:
    """Train one SFT stage on its mixture, continuing ``upstream``'s adapter; return paths + summary.

    Cached on the stage config, the fingerprints of the sources it draws
    from, the base and upstream fingerprints, the launcher and the code
    version. A folder that already holds this stage's finished result is
    reused; an interrupted one resumes from its newest checkpoint.
    """
    from interosight_core.train.curriculum import apportion, mix_sources, stage_sft_config
    from interosight_core.train.sft import load_sft_result, run_sft
    from interosight_core.train.warehouse_data import load_sft_sources

    logger = get_run_logger()
    names = sorted(n for n, w in stage.mixture.items() if w > 0)
    stage_cfg = stage_sft_config(sft, stage)
    run_dir = Path(work_dir) / RUNS_DIR / f"{index:02d}_{_slug(stage.name)}" / _key(
        stage_cfg, stage, mix_seed, replacement, data_fp, base["fingerprint"], upstream and upstream["fingerprint"], launcher, code)
    counts = apportion(stage.mixture, stage.num_examples)
    if (run_dir / "sft_result.json").is_file() and (run_dir / "adapter" / "adapter_config.json").is_file():
        logger.info("SFT stage %s: finished result found in %s; not training again", stage.name, run_dir)
        result = load_sft_result(run_dir)
    else:
        sources = load_sft_sources(store.path, names=names, require=names)
        ds = mix_sources(sources, stage.mixture, stage.num_examples, mix_seed, replacement, salt=stage.name)
        logger.info("SFT stage %s: %d examples %s, lr %g, %s steps -> %s", stage.name, len(ds), counts, stage.learning_rate,
                    stage.max_steps if stage.max_steps > 0 else f"{stage.num_train_epochs:g} epoch(s) of", run_dir)
        adapter = upstream["adapter"] if upstream else None
        if launcher is not None:
            from interosight_core.train.launch import run_launched, write_spec

            spec = write_spec("sft", stage_cfg, base["path"], ds.to_list(), run_dir, adapter)
            result = run_launched(spec, launcher)
        else:
            result = run_sft(stage_cfg, base["path"], ds, run_dir, resume_adapter=adapter,
                             progress=_progress(f"SFT {stage.name}"))
    summary = _sft_summary(result, counts, run_dir)
    create_table_artifact(key=f"train-sft-{_slug(stage.name)}", table=_stage_table(summary),
                          description=f"SFT stage {stage.name}: loss, steps, tokens/s, trainable params, peak memory.")
    logger.info("SFT stage %s: %d steps, loss %.4f -> %.4f, %.0f tokens/s, peak RSS %.0f MiB", stage.name,
                result.global_step, summary["first_loss"] or 0.0, summary["final_loss"] or 0.0,
                summary["tokens_per_second"], summary["peak_rss_mb"])
    return {"name": stage.name, "kind": "sft", "adapter": str(result.adapter_dir),
            "fingerprint": adapter_fingerprint(result.adapter_dir), "summary": summary}


# --- DPO -----------------------------------------------------------------------------------------


@task(name="dpo-stage", cache_policy=INPUTS - "store", persist_result=True, task_run_name="dpo-{dpo.name}")
def train_dpo_stage(dpo: DPOStageConfig, pairs_fp: dict[str, Any], store: WarehouseRef, base: dict, upstream: dict,
                    launcher: LauncherConfig | None, index: int, work_dir: str, code: str) -> dict:
    """DPO on the warehouse's preference pairs from the SFT adapter ``upstream``; return paths + summary."""
    from interosight_core.train.dpo import load_dpo_result, run_dpo
    from interosight_core.train.warehouse_data import load_preference_pairs

    logger = get_run_logger()
    run_dir = Path(work_dir) / RUNS_DIR / f"{index:02d}_{_slug(dpo.name)}" / _key(
        dpo, pairs_fp, base["fingerprint"], upstream["fingerprint"], launcher, code)
    if (run_dir / "dpo_result.json").is_file() and (run_dir / "adapter" / "adapter_config.json").is_file():
        logger.info("DPO stage %s: finished result found in %s; not training again", dpo.name, run_dir)
        result = load_dpo_result(run_dir)
    else:
        pairs = load_preference_pairs(store.path)
        if not pairs:
            raise TrainError("training.dpo: the warehouse has no preference pairs (the synthesis stage writes them when "
                             "synthesis.preferences.enabled); set training.dpo: null to skip DPO")
        logger.info("DPO stage %s: %d pairs, beta %g, lr %g -> %s", dpo.name, len(pairs), dpo.beta, dpo.learning_rate, run_dir)
        if launcher is not None:
            from interosight_core.train.launch import run_launched, write_spec

            result = run_launched(write_spec("dpo", dpo, base["path"], pairs, run_dir, upstream["adapter"]), launcher)
        else:
            result = run_dpo(dpo, base["path"], upstream["adapter"], pairs, run_dir, progress=_progress(f"DPO {dpo.name}"))
    losses = [v for _, v in result.loss_history]
    summary = {
        "steps": result.global_step,
        "pairs": result.num_pairs,
        "first_loss": losses[0] if losses else None,
        "final_loss": losses[-1] if losses else None,
        **{f"final_{k.replace('/', '_')}": round(v, 4) for k, v in result.final_rewards.items()},
        "train_runtime_s": round(result.train_runtime_s, 1),
        "trainable_params": result.trainable_params,
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "resumed_from": result.resumed_from_checkpoint or "",
        "curves_png": str(result.curves_png or ""),
        "run_dir": str(run_dir),
    }
    create_table_artifact(key=f"train-dpo-{_slug(dpo.name)}", table=_stage_table(summary),
                          description=f"DPO stage {dpo.name}: loss, reward margin and accuracy, steps, peak memory.")
    logger.info("DPO stage %s: %d steps, loss %.4f -> %.4f, rewards %s", dpo.name, result.global_step,
                summary["first_loss"] or 0.0, summary["final_loss"] or 0.0, result.final_rewards)
    return {"name": dpo.name, "kind": "dpo", "adapter": str(result.adapter_dir),
            "fingerprint": adapter_fingerprint(result.adapter_dir), "summary": summary}


# --- merge ---------------------------------------------------------------------------------------


@task(name="merge-adapter", cache_policy=INPUTS, persist_result=True, task_run_name="merge-adapter")
def merge_final_adapter(merge: MergeConfig, quantization: QuantizationSettings, base: dict, final: dict, card: dict,
                        work_dir: str, code: str) -> dict:
    """Fold the last stage's adapter into the (dequantized) base: ``<work_dir>/models/merged/<key>``."""
    from interosight_core.train.merge import merge_adapter

    logger = get_run_logger()
    key = _key(merge, quantization, base["fingerprint"], final["fingerprint"], card, code)
    out = Path(work_dir) / MERGED_DIR / key
    if not (out / "config.json").is_file():
        merge_adapter(base["path"], final["adapter"], out, quantization, card=card, config=merge)
    logger.info("merged %s onto the base -> %s", final["adapter"], out)
    return {"path": str(out), "fingerprint": key}  # the key is content-derived; hashing GBs of weights is not needed


def model_card(t: TrainingConfig, stages: list[dict], data_fp: dict[str, dict[str, Any]]) -> dict:
    """The merged model's card sections: data, safety filtering, stages (evaluation comes from the evaluate stage)."""
    used = t.sft_source_names()
    return {
        "name": "InteroSight MI model",
        "data_sources": {name: f"{data_fp[name]['rows']} rows" for name in used}
        | ({"preference_pairs": f"{data_fp['preference_pairs']['rows']} pairs"} if any(s["kind"] == "dpo" for s in stages) else {}),
        "safety_filtering": "Only posts the prepare stage kept (no crisis, pro-ED or injection flags; numbers and PII "
                            "redacted) and never the evaluation hold-out; AnnoMI high-quality transcripts only; "
                            "synthetic replies passed the synthesis safety gate.",
        "training_stages": [f"{s['kind']} {s['name']}: {s['summary']['steps']} steps, loss "
                            f"{s['summary']['first_loss']} -> {s['summary']['final_loss']}" for s in stages],
        "eval_summary": "See the evaluation stage's report for this model.",
    }


@task(name="train-summary", cache_policy=NO_CACHE, task_run_name="train-summary")
def publish_training_summary(result: dict, stages: list[dict], merged: dict | None, base: dict, work_dir: str) -> list[dict]:
    """Write ``<work_dir>/runs/train/result.json`` (what chat and evaluation read) and one table artifact over all stages.

    Runs on every flow run, cached stages or not, so the file and the
    artifact always describe the models of the latest run.
    """
    path = Path(work_dir) / RUNS_DIR / "result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    rows = [{"stage": s["name"], "kind": s["kind"], "steps": s["summary"]["steps"],
             "first_loss": s["summary"]["first_loss"], "final_loss": s["summary"]["final_loss"],
             "tokens_per_second": s["summary"].get("tokens_per_second", ""),
             "peak_rss_mb": s["summary"]["peak_rss_mb"], "adapter": s["adapter"]} for s in stages]
    rows.append({"stage": "base", "kind": "model", "adapter": base["path"]})
    if merged:
        rows.append({"stage": "merged", "kind": "model", "adapter": merged["path"]})
    create_table_artifact(key="train-summary", table=rows, description="Training: every stage's loss, steps and throughput; base and merged model.")
    return rows
