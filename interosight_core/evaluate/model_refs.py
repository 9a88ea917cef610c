"""Which models the evaluation compares, and what each one is by content.

- `models_from_train_result`: the train flow's result (`{"base_model",
  "stages": [{"name", "kind", "adapter"}], "merged"}`) as an ordered
  label -> path mapping (base, each stage, merged);
- `read_train_result`: that result from `<work_dir>/runs/train/result.json`;
- `select_models`: keep the labels `evaluation.stages` names;
- `parse_model_options`: CLI `--model LABEL=PATH` options;
- `model_fingerprint`: sha256 of a model folder's files (names and contents,
  not its path; training checkpoints and logs left out; for a PEFT adapter
  also its base model), so a cache key follows the weights.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from interosight_core.evaluate.config import EvaluationError
from interosight_core.fingerprint import file_sha256

#: Files and folders of a model folder that are not the model (training state, logs).
_SKIP_PARTS = ("checkpoint-", "runs", "logs", "__pycache__")


def models_from_train_result(result: Mapping[str, Any]) -> dict[str, str]:
    """Ordered {label: model path} from a train result: base, each stage (by name), merged.

    Missing pieces are skipped (a run without DPO, a run not merged yet). A
    stage name that repeats gets its kind appended. Raises `EvaluationError`
    on a malformed result.
    """
    if not isinstance(result, Mapping):
        raise EvaluationError(f"train result must be a mapping, got {type(result).__name__}")
    out: dict[str, str] = {}
    if result.get("base_model"):
        out["base"] = str(result["base_model"])
    stages = result.get("stages") or []
    if not isinstance(stages, list):
        raise EvaluationError("train result: 'stages' must be a list of {name, kind, adapter}")
    for i, stage in enumerate(stages):
        if not isinstance(stage, Mapping) or not stage.get("adapter"):
            raise EvaluationError(f"train result: stages[{i}] needs 'adapter' (and 'name', 'kind')")
        label = str(stage.get("name") or stage.get("kind") or f"stage{i + 1}")
        if label in out:
            label = f"{label}-{stage.get('kind') or i + 1}"
        out[label] = str(stage["adapter"])
    if result.get("merged"):
        out["merged"] = str(result["merged"])
    if not out:
        raise EvaluationError("train result names no model (no base_model, stages or merged)")
    return out


def read_train_result(work_dir: str | Path) -> dict | None:
    """The train flow's last result, `<work_dir>/runs/train/result.json`, or None when absent."""
    path = Path(work_dir) / "runs" / "train" / "result.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EvaluationError(f"{path}: unreadable train result ({exc}); re-run `interosight train`") from None


def select_models(models: Mapping[str, str], stages: Sequence[str] | None) -> dict[str, str]:
    """Keep the labels in `stages` (None = all), in the models' order; unknown labels are an error."""
    if stages is None:
        return dict(models)
    unknown = [s for s in stages if s not in models]
    if unknown:
        raise EvaluationError(
            f"evaluation.stages: unknown model label(s) {', '.join(unknown)} (available: {', '.join(models)})"
        )
    return {label: path for label, path in models.items() if label in stages}


def parse_model_options(values: Sequence[str]) -> dict[str, str]:
    """Parse CLI `LABEL=PATH` options into an ordered mapping (one-line error on a bad one)."""
    out: dict[str, str] = {}
    for value in values:
        label, sep, path = value.partition("=")
        if not sep or not label.strip() or not path.strip():
            raise EvaluationError(f"--model {value!r}: expected LABEL=PATH, e.g. --model sft=runs/train/sft")
        if label.strip() in out:
            raise EvaluationError(f"--model {value!r}: label {label.strip()!r} given twice")
        out[label.strip()] = path.strip()
    return out


def _memo_hash(path: Path, memo: dict[str, Any] | None) -> str:
    """sha256 of a file, reusing `memo` when its size and mtime are unchanged."""
    stat = path.stat()
    key = str(path.resolve())
    stamp = [stat.st_size, stat.st_mtime_ns]
    if memo is not None and key in memo and memo[key][:2] == stamp:
        return memo[key][2]
    digest = file_sha256(path)
    if memo is not None:
        memo[key] = [*stamp, digest]
    return digest


def _model_files(folder: Path) -> list[Path]:
    """The files that make up a model folder (training checkpoints, logs and hidden files left out)."""
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if not path.is_file() or any(p.startswith(".") or p.startswith(_SKIP_PARTS) for p in rel):
            continue
        files.append(path)
    return files


def model_fingerprint(model_path: str | Path, memo_path: str | Path | None = None) -> str:
    """sha256 of a model by content: its files' names and hashes, plus its base for a PEFT adapter.

    A path that does not exist is taken as a Hub name (``hub:<name>``: the
    weights behind it are not pinned). `memo_path` (a JSON file) remembers
    file hashes by path, size and mtime, so unchanged multi-GB weights (an
    adapter's base included) are hashed once.
    """
    memo_file = Path(memo_path) if memo_path else None
    memo: dict[str, Any] | None = None
    if memo_file is not None:
        memo = {}
        if memo_file.is_file():
            try:
                memo = json.loads(memo_file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                memo = {}
    fp = _fingerprint(model_path, memo, 0)
    if memo_file is not None and memo is not None:
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_file.with_name(memo_file.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo, sort_keys=True), encoding="utf-8")
        os.replace(tmp, memo_file)
    return fp


def _fingerprint(model_path: str | Path, memo: dict[str, Any] | None, depth: int) -> str:
    """`model_fingerprint` on a loaded memo (adapters recurse into their base, at most 3 levels)."""
    folder = Path(model_path)
    if not folder.exists():
        if str(model_path).startswith((".", os.sep)):
            raise EvaluationError(f"{model_path}: model folder not found")
        return "hub:" + str(model_path)
    digest = hashlib.sha256()
    files = [folder] if folder.is_file() else _model_files(folder)
    if not files:
        raise EvaluationError(f"{folder}: empty model folder")
    for path in files:
        digest.update((path.name if folder.is_file() else path.relative_to(folder).as_posix()).encode())
        digest.update(_memo_hash(path, memo).encode())
    adapter_cfg = folder / "adapter_config.json"
    if folder.is_dir() and adapter_cfg.is_file() and depth < 3:
        try:
            base = json.loads(adapter_cfg.read_text(encoding="utf-8")).get("base_model_name_or_path")
        except (OSError, json.JSONDecodeError) as exc:
            raise EvaluationError(f"{adapter_cfg}: unreadable adapter config ({exc})") from None
        if base:
            digest.update(b"base:" + _fingerprint(base, memo, depth + 1).encode())
    return digest.hexdigest()
