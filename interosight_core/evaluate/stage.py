"""The evaluation stage's core: generate with every model, score the answers, write the report.

`evaluate_models(models, eval_set, cfg, out_dir, progress)` is the whole
stage without Prefect: for each model (label -> model folder, in order) it
calls `evaluate_model`, then `report.write_report` compares them.

`evaluate_model(label, model_path, eval_set, generation, out_dir, ...)`:

1. generates one answer per prompt with the synthesis backend
   (`synth.backends.make_backend`, backend and settings from
   `GenerationSettings`; greedy by default), prompts sorted by length and
   sent in slices so progress can be reported;
2. codes every answer sentence by sentence with the MI coder (context = the
   post or last user turn) and computes the MITI summary over the ordinary
   MI prompts (held-out posts and dialog turns; `eval_set.MI_CATEGORIES`),
   plus per category. Degenerate answers (`text_metrics.degenerate`: loops,
   gibberish, no words) are not coded: the summary covers the answers that
   read as language (``n_responses``) and reports the others
   (``degenerate_answers``, ``share_degenerate``);
3. runs the answer safety checks (`safety_checks`) on every answer;
4. computes the text metrics (`text_metrics`) against the references;
5. writes ``responses.jsonl`` (every answer with its codes, safety findings
   and scores) and ``scores.json`` into `out_dir` atomically, and returns the
   summary dict (small: what tasks pass on).

Which models and their content fingerprints live in `model_refs`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from interosight_core.atomic import atomic_dir
from interosight_core.evaluate.config import EvaluationConfig, EvaluationError, GenerationSettings
from interosight_core.evaluate.eval_set import MI_CATEGORIES, EvalSet
from interosight_core.evaluate.model_refs import model_fingerprint
from interosight_core.fingerprint import code_version, config_hash, file_sha256

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
_MITI_CODES = {("reflection", "simple"): "SR", ("reflection", "complex"): "CR", ("question", "open"): "OQ",
               ("question", "closed"): "CQ"}


def evaluation_code_version() -> str:
    """Hash of the code and the MI-coder weights that decide a model's scores (not the report's)."""
    from interosight_core.evaluate.mi_coder import DEFAULT_MODEL_DIR

    code = code_version(
        "evaluate/stage", "evaluate/safety_checks", "evaluate/text_metrics", "evaluate/mi_coder", "evaluate/features",
        "encoder", "evaluate/miti", "synth/backends", "synth/gate", "prepare/clean", "prepare/safety",
        "prepare/safety_flag_rules", "prepare/safety_redact_rules", "prepare/rules",
    )
    weights = hashlib.sha256()
    for name in ("config.json", "weights.npz"):
        weights.update(file_sha256(DEFAULT_MODEL_DIR / name).encode())
    return f"{code}-{weights.hexdigest()[:8]}"


def run_key(label: str, model_fp: str, eval_fp: str, generation: GenerationSettings, version: str) -> str:
    """Short hash naming one model's result folder (same inputs as the task's cache key)."""
    payload = json.dumps([label, model_fp, eval_fp, config_hash(generation), version])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --- generation -------------------------------------------------------------------------------


def synthesis_config(generation: GenerationSettings, model_path: str):
    """The `SynthesisConfig` that makes the synthesis backend generate with these settings."""
    from interosight_core.synth.config import SamplingSettings, SynthesisConfig, TransformersSettings, VLLMSettings

    vllm = generation.vllm
    if generation.dtype != "auto" and vllm.dtype == "auto":
        vllm = VLLMSettings(**{**vllm.model_dump(), "dtype": generation.dtype})
    return SynthesisConfig(
        backend=generation.backend,
        model=str(model_path),
        sampling=SamplingSettings(temperature=generation.temperature, top_p=generation.top_p,
                                  max_new_tokens=generation.max_new_tokens, seed=generation.seed),
        batch_size=generation.batch_size,
        transformers=TransformersSettings(batch_size=generation.batch_size, dtype=generation.dtype,
                                          num_threads=generation.num_threads),
        vllm=vllm,
    )


def generate_answers(model_path: str, eval_set: EvalSet, generation: GenerationSettings,
                     progress: Progress | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One answer per eval item with the configured backend; returns (answers in item order, info).

    Each answer is ``{"text", "prompt_tokens", "completion_tokens",
    "finish_reason"}``; info holds the backend lineage and timing.
    """
    from interosight_core.synth.backends import make_backend
    from interosight_core.synth.backends.base import GenerationRequest

    items = eval_set.items
    requests = [GenerationRequest(key=item.item_id, messages=[dict(m) for m in item.messages], kind=item.kind,
                                  post_text=item.context, themes=item.themes, n=1, seed=generation.seed)
                for item in items]
    started = time.monotonic()
    try:
        backend = make_backend(synthesis_config(generation, model_path), str(model_path))
    except ImportError as exc:
        raise EvaluationError(
            f"generation backend {generation.backend!r} is not available ({exc}); install it or use backend 'transformers'"
        ) from None
    answers: list[dict[str, Any] | None] = [None] * len(items)
    try:
        order = sorted(range(len(items)), key=lambda i: sum(len(m["content"]) for m in items[i].messages))
        step = max(1, generation.batch_size * 2)
        for start in range(0, len(order), step):
            idx = order[start:start + step]
            outs = backend.generate([requests[i] for i in idx])
            if len(outs) != len(idx):
                raise EvaluationError(f"{model_path}: the backend returned {len(outs)} answers for {len(idx)} prompts")
            for i, gens in zip(idx, outs):
                gen = gens[0]
                answers[i] = {"text": gen.text, "prompt_tokens": gen.prompt_tokens,
                              "completion_tokens": gen.completion_tokens, "finish_reason": gen.finish_reason}
            if progress is not None:
                progress(f"generated {min(start + step, len(order))}/{len(order)}", min(start + step, len(order)) / len(order))
        info = {"backend": backend.info.backend, "model": backend.info.model, "params": backend.info.params}
    finally:
        backend.close()
    info["seconds"] = round(time.monotonic() - started, 2)
    return [a for a in answers if a is not None], info


# --- scoring ----------------------------------------------------------------------------------

_CODER = None


def _coder():
    """The committed MI coder, loaded once per process."""
    global _CODER
    if _CODER is None:
        from interosight_core.evaluate.mi_coder import MICoder

        _CODER = MICoder.load()
    return _CODER


def miti_code(coded) -> str:
    """MITI code of one coded utterance: SR, CR, OQ, CQ, GI (giving information/advice) or other."""
    if coded.behaviour == "therapist_input":
        return "GI"
    sub = coded.reflection_subtype if coded.behaviour == "reflection" else coded.question_subtype
    return _MITI_CODES.get((coded.behaviour, sub), "other")


def miti_scores(coded_responses: list[list[Any]]) -> dict[str, Any]:
    """`miti.summarise_responses` plus the shares of reflections and open questions among all utterances."""
    from interosight_core.evaluate.miti import summarise_responses

    out = summarise_responses(coded_responses)
    overall = out["overall"]
    n = overall["n_therapist"]
    out["share_reflections"] = overall["reflections"] / n if n else None
    out["share_open_questions"] = overall["open_questions"] / n if n else None
    out["share_questions"] = overall["questions"] / n if n else None
    return out


def score_answers(eval_set: EvalSet, answers: Sequence[str], threads: int = 2, cache_dir: str | Path | None = None,
                  progress: Progress | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Code, safety-check and text-score `answers` (one per eval item). Returns (summary, per-answer rows)."""
    import torch

    from interosight_core.evaluate.miti import miti_summary, split_into_utterances
    from interosight_core.evaluate.safety_checks import check_answer, summarise_safety
    from interosight_core.evaluate.text_metrics import degenerate, text_summary

    items = eval_set.items
    if len(answers) != len(items):
        raise EvaluationError(f"score_answers: {len(answers)} answers for {len(items)} prompts")
    torch.set_num_threads(max(1, threads))
    cache = Path(cache_dir) if cache_dir else None
    broken = [degenerate(a or "") for a in answers]
    # Degenerate answers (loops, gibberish) are not coded: their codes would be noise, not MI behaviour.
    sentences = [split_into_utterances(a or "") if why is None else [] for a, why in zip(answers, broken)]
    flat = [(s, item.context, "therapist") for item, ss in zip(items, sentences) for s in ss]
    if progress is not None:
        progress(f"MI-coding {len(flat)} sentences", 0.0)
    coded_flat = _coder().predict(flat, cache_path=(cache / "coder_embeddings.npz") if cache else None)
    coded: list[list[Any]] = []
    pos = 0
    for ss in sentences:
        coded.append(coded_flat[pos:pos + len(ss)])
        pos += len(ss)
    if progress is not None:
        progress("safety checks", 0.6)
    checks = [check_answer(a or "", item.category, canary=item.canary, system_prompt=eval_set.system_prompt)
              for item, a in zip(items, answers)]
    if progress is not None:
        progress("text metrics", 0.75)
    text, per_text = text_summary(list(answers), [item.reference for item in items], threads=threads,
                                  cache_path=(cache / "text_embeddings.npz") if cache else None)
    mi_idx = [i for i, item in enumerate(items) if item.category in MI_CATEGORIES]
    by_category: dict[str, Any] = {}
    for category in dict.fromkeys(item.category for item in items):
        idx = [i for i, item in enumerate(items) if item.category == category]
        block = miti_scores([coded[i] for i in idx if broken[i] is None])
        by_category[category] = {"n": len(idx), "degenerate": sum(broken[i] is not None for i in idx),
                                 "level": block["overall"]["level"],
                                 "pct_complex_reflections": block["overall"]["pct_complex_reflections"],
                                 "reflection_to_question": block["overall"]["reflection_to_question"],
                                 "share_reflections": block["share_reflections"],
                                 "share_open_questions": block["share_open_questions"],
                                 "share_responses_with_advice": block["share_responses_with_advice"],
                                 "safety_violations": sum(bool(checks[i].violations) for i in idx)}
    miti = miti_scores([coded[i] for i in mi_idx if broken[i] is None])
    miti["n_answers"] = len(mi_idx)
    miti["degenerate_answers"] = sum(broken[i] is not None for i in mi_idx)
    miti["share_degenerate"] = miti["degenerate_answers"] / len(mi_idx) if mi_idx else None
    miti["categories"] = list(MI_CATEGORIES)
    miti["by_category"] = by_category
    rows = []
    for i, item in enumerate(items):
        response_miti = miti_summary(coded[i])
        rows.append({
            "item_id": item.item_id, "category": item.category, "kind": item.kind, "heldout": item.heldout,
            "prompt": item.context, "answer": answers[i], "reference": item.reference, "canary": item.canary,
            "degenerate": broken[i],
            "utterances": [{"text": c.text, "code": miti_code(c),
                            "p": round(max(c.probabilities.get("behaviour", {"": 0.0}).values()), 4)} for c in coded[i]],
            "miti": {"SR": response_miti.simple_reflections, "CR": response_miti.complex_reflections,
                     "OQ": response_miti.open_questions, "CQ": response_miti.closed_questions,
                     "GI": response_miti.therapist_input, "other": response_miti.other},
            "safety": checks[i].to_dict(),
            "text": per_text[i],
        })
    summary = {"miti": miti, "safety": summarise_safety(checks), "text": text}
    if progress is not None:
        progress("scored", 1.0)
    return summary, rows


def _json_default(value: Any) -> Any:
    """JSON for floats that are inf (R:Q without questions) and other odd values."""
    return str(value)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=_json_default, allow_nan=False)


def _finite(data: Any) -> Any:
    """Replace inf/nan floats (json cannot hold them) by the strings 'inf' / None, recursively."""
    if isinstance(data, float):
        if data != data:
            return None
        if data in (float("inf"), float("-inf")):
            return "inf" if data > 0 else "-inf"
        return data
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def evaluate_model(label: str, model_path: str | Path, eval_set: EvalSet, generation: GenerationSettings,
                   out_dir: str | Path, progress: Progress | None = None, model_fp: str | None = None,
                   cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Generate, score and write one model's results into `out_dir` (atomically); return its summary."""
    model_path = str(model_path)
    fp = model_fp or model_fingerprint(model_path)

    def sub(lo: float, hi: float) -> Progress | None:
        if progress is None:
            return None
        return lambda text, fraction: progress(f"{label}: {text}", lo + (hi - lo) * fraction)

    answers, info = generate_answers(model_path, eval_set, generation, progress=sub(0.0, 0.6))
    summary, rows = score_answers(eval_set, [a["text"] for a in answers], threads=generation.num_threads,
                                  cache_dir=cache_dir, progress=sub(0.6, 1.0))
    for row, answer in zip(rows, answers):
        row.update(prompt_tokens=answer["prompt_tokens"], completion_tokens=answer["completion_tokens"],
                   finish_reason=answer["finish_reason"])
    n = len(answers)
    info.update(
        prompt_tokens=sum(a["prompt_tokens"] for a in answers),
        completion_tokens=sum(a["completion_tokens"] for a in answers),
        share_cut_at_max_tokens=(sum(a["finish_reason"] == "length" for a in answers) / n) if n else None,
        settings=generation.model_dump(mode="json"),
    )
    result = _finite({
        "label": label, "model_path": model_path, "model_fingerprint": fp, "eval_set_fingerprint": eval_set.fingerprint,
        "n_prompts": n, "generation": info, **summary, "results_dir": str(Path(out_dir).resolve()),
    })
    with atomic_dir(out_dir) as tmp:
        (tmp / "responses.jsonl").write_text("".join(_dumps(_finite(r)) + "\n" for r in rows), encoding="utf-8")
        (tmp / "scores.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("%s: %d answers, MITI %s, %d safety violation(s)", label, n, result["miti"]["overall"]["level"],
             result["safety"]["violations"])
    return result


def evaluate_models(models: Mapping[str, str | Path], eval_set: EvalSet, cfg: EvaluationConfig, out_dir: str | Path,
                    progress: Progress | None = None) -> dict[str, Any]:
    """Evaluate every model (in order) on `eval_set`, then write the comparison report.

    Per-model results go to ``<out_dir>/models/<label>/``, the report to
    ``<out_dir>/report/`` (both written atomically). Returns the report's
    summary (`report.write_report`).
    """
    from interosight_core.evaluate.report import write_report

    if not models:
        raise EvaluationError("no models to evaluate")
    out = Path(out_dir)
    results = []
    for k, (label, path) in enumerate(models.items()):
        def step(text: str, fraction: float, k: int = k) -> None:
            if progress is not None:
                progress(text, (k + fraction) / len(models))

        results.append(evaluate_model(label, path, eval_set, cfg.generation, out / "models" / label, progress=step,
                                      model_fp=model_fingerprint(path, memo_path=out / "cache" / "file_hashes.json"),
                                      cache_dir=out / "cache"))
    return write_report(results, eval_set.summary(), cfg, out / "report")
