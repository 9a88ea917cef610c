"""The train flow on the sample: two SFT stages, DPO, merge; a cached re-run; per-stage invalidation; one-line errors.

The warehouse comes from the real ingest and prepare flows on a copy of the
demo config; the synthesis rows (accepted MI replies and contrast pairs) are
written here with the real DDL, so this test does not depend on the
synthesis stage's state.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from flow_helpers import ROOT, demo_config_copy
from test_ingest_flow import task_states

from flows.ingest import ingest_flow
from flows.prepare import prepare_flow
from flows.train import train_flow
from interosight_core import warehouse
from interosight_core.config import load_config
from interosight_core.heldout import heldout_sql
from interosight_core.train.config import TrainError

FAST_TRAINING = {
    "tiny": {"hidden_size": 64, "intermediate_size": 128, "vocab_size": 1024},
    "sft": {
        "per_device_train_batch_size": 4, "max_length": 384, "num_threads": 2, "save_steps": 2, "logging_steps": 1,
        "warmup_ratio": 0.0, "report_to": [],
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear", "modules_to_save": ["lm_head"]},
    },
    "curriculum": {"stages": [
        {"name": "foundation", "mixture": {"counselchat": 0.5, "sessions": 0.5}, "num_examples": 8,
         "learning_rate": 0.003, "max_steps": 2},
        {"name": "mi-style", "mixture": {"synthetic": 0.8, "annomi": 0.2}, "num_examples": 12,
         "learning_rate": 0.003, "max_steps": 3},
    ]},
    "dpo": {"max_steps": 2, "per_device_train_batch_size": 2, "num_threads": 2, "save_steps": 10, "report_to": [],
            "learning_rate": 0.0001},
}
TRAINING_TASKS = {"build-base-model", "sft-foundation", "sft-mi-style", "dpo-dpo", "merge-adapter"}
MI_REPLY = ("It sounds like this has been weighing on you. It took courage to share it. "
            "You get to decide what comes next. What would help most right now?")
CONTRAST = "You should just stay positive. Have you tried talking to someone?"


def insert_synth_rows(warehouse_path: Path, n: int = 36, n_heldout: int = 4) -> int:
    """An accepted MI reply and a contrast pair for `n` kept posts and `n_heldout` held-out kept posts."""
    t = datetime(2026, 1, 1)
    lineage = ["template", "template", "mi-v1-test", "{}", 0, "test", t, t]
    with warehouse.open_warehouse(warehouse_path) as con:
        pick = "SELECT source, post_id FROM prepared_posts WHERE status = 'kept' AND {} ORDER BY relevance DESC, post_id LIMIT {}"
        posts = (con.execute(pick.format(f"NOT {heldout_sql()}", n)).fetchall()
                 + con.execute(pick.format(heldout_sql(), n_heldout)).fetchall())
        with warehouse.transaction(con):
            for source, post_id in posts:
                ids = {kind: hashlib.sha256(f"{post_id}:{kind}".encode()).hexdigest()[:20] for kind in ("mi", "contrast")}
                for kind, reply in (("mi", MI_REPLY), ("contrast", CONTRAST)):
                    con.execute(
                        "INSERT INTO synth_responses VALUES (?, ?, ?, ?, 'sha', ?, 0, 0, '[]', ?, true, [], false, NULL, "
                        "1, 1, 'stop', ?, ?, ?, ?, ?, ?, ?, ?)",
                        [ids[kind], f"{post_id}:{kind}", source, post_id, kind, reply, *lineage])
                con.execute("INSERT INTO preference_pairs VALUES (?, ?, ?, '[]', ?, ?, ?, ?, 0.9, 0.1, 'contrast', "
                            "?, ?, ?, ?, ?, ?, ?, ?)",
                            [f"pair-{post_id}", source, post_id, MI_REPLY, CONTRAST, ids["mi"], ids["contrast"], *lineage])
    return len(posts)


def _artifact_keys(keys: list[str]) -> set[str]:
    """Which of these artifact keys exist on the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))

    return {a.key for a in asyncio.run(read())}


def _states(state) -> dict[str, str]:
    """Task-run states of one train flow run, once every training task has a final state."""
    return task_states(state.state_details.flow_run_id, TRAINING_TASKS)


@pytest.fixture(scope="module")
def sample_config(tmp_path_factory) -> Path:
    """A demo config copy with the fast training section, its warehouse ingested, prepared and given synthesis rows."""
    config = demo_config_copy(tmp_path_factory.mktemp("train"), training=FAST_TRAINING)
    assert ingest_flow(config_path=str(config), return_state=True).is_completed()
    assert prepare_flow(config_path=str(config), return_state=True).is_completed()
    assert insert_synth_rows(load_config(config).warehouse_path) == 40
    return config


def _with_training(config: Path, name: str, **changes) -> Path:
    """A sibling config file whose training section has `changes` applied (dotted keys into nested dicts)."""
    data = yaml.safe_load(config.read_text())
    for dotted, value in changes.items():
        node = data["training"]
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[leaf] = value
    path = config.with_name(name)
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow
def test_train_flow_trains_caches_and_reruns_only_what_changed(sample_config):
    config = sample_config
    cfg = load_config(config)

    first = train_flow(config_path=str(config), return_state=True)
    assert first.is_completed(), first.message
    result = first.result()
    assert set(result) == {"base_model", "stages", "merged"}
    assert [(s["name"], s["kind"]) for s in result["stages"]] == [("foundation", "sft"), ("mi-style", "sft"), ("dpo", "dpo")]
    work = Path(cfg.work_dir).resolve()
    assert Path(result["base_model"]).parent == work / "models" / "base"
    for stage in result["stages"]:
        adapter = Path(stage["adapter"])
        assert (adapter / "adapter_model.safetensors").is_file() and adapter.parents[1].parent == work / "runs" / "train"
    assert json.loads((work / "runs" / "train" / "result.json").read_text()) == result
    foundation, mi_style, dpo = (Path(s["adapter"]).parent for s in result["stages"])
    mi_result = json.loads((mi_style / "sft_result.json").read_text())
    assert mi_result["continued_adapter"] == str(foundation / "adapter") and mi_result["global_step"] == 3
    assert (mi_style / "loss_curve.png").stat().st_size > 1000 and (dpo / "dpo_curves.png").is_file()
    dpo_result = json.loads((dpo / "dpo_result.json").read_text())
    assert dpo_result["num_pairs"] == 36  # the held-out posts' pairs never reach training
    states = _states(first)
    assert {n: states[n] for n in TRAINING_TASKS} == {n: "Completed" for n in TRAINING_TASKS}, states
    assert _artifact_keys(["train-sft-foundation", "train-sft-mi-style", "train-dpo-dpo", "train-summary"]) == {
        "train-sft-foundation", "train-sft-mi-style", "train-dpo-dpo", "train-summary"}

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(result["merged"])
    model = AutoModelForCausalLM.from_pretrained(result["merged"])
    assert "Intended use and limits" in (Path(result["merged"]) / "README.md").read_text()
    ids = tok.apply_chat_template([{"role": "user", "content": "I feel stuck"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    with torch.no_grad():
        assert model.generate(**ids, max_new_tokens=5, do_sample=False).shape[1] > ids["input_ids"].shape[1]

    second = train_flow(config_path=str(config), return_state=True)
    assert second.is_completed() and second.result() == result
    states = _states(second)
    assert {n: states[n] for n in TRAINING_TASKS} == {n: "Cached" for n in TRAINING_TASKS}, states

    third = train_flow(config_path=str(_with_training(config, "beta.yaml", **{"dpo.beta": 0.2})), return_state=True)
    assert third.is_completed()
    states = _states(third)
    assert {n: states[n] for n in ("sft-foundation", "sft-mi-style", "dpo-dpo", "merge-adapter")} == {
        "sft-foundation": "Cached", "sft-mi-style": "Cached", "dpo-dpo": "Completed", "merge-adapter": "Completed"}, states
    assert third.result()["stages"][:2] == result["stages"][:2] and third.result()["merged"] != result["merged"]


@pytest.mark.slow
def test_killed_training_resumes_from_its_last_checkpoint(sample_config):
    """SIGKILL the `interosight train` process after a checkpoint; the next run continues that stage from it."""
    from prefect.settings import PREFECT_API_URL

    config = _with_training(sample_config, "kill.yaml", **{"curriculum.stages.1.max_steps": 8})
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())  # the child talks to this test's Prefect API
    child = subprocess.Popen([sys.executable, "-m", "flows.cli", "train", "-c", str(config)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = Path(load_config(config).work_dir).resolve() / "runs" / "train" / "01_mi-style"
    before = set(runs.iterdir()) if runs.is_dir() else set()
    deadline = time.monotonic() + 240

    def new_checkpoints() -> list[Path]:
        """Complete step-2 checkpoints of a run folder this test's run created."""
        return [p for p in runs.glob("*/checkpoint-2/trainer_state.json") if p.parents[1] not in before]

    try:
        while not new_checkpoints():
            assert child.poll() is None, "the training process ended before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    (stage_dir,) = set(runs.iterdir()) - before
    assert not (stage_dir / "sft_result.json").exists(), "killed too late: the stage had already finished"

    resumed = train_flow(config_path=str(config), return_state=True)
    assert resumed.is_completed(), resumed.message
    result = json.loads((stage_dir / "sft_result.json").read_text())
    assert result["resumed_from_checkpoint"] and Path(result["resumed_from_checkpoint"]).parent == stage_dir
    assert result["global_step"] == 8
    assert resumed.result()["stages"][1]["adapter"] == str(stage_dir / "adapter")


@pytest.mark.slow
def test_missing_training_source_fails_in_one_line(sample_config):
    with warehouse.open_warehouse(load_config(sample_config).warehouse_path) as con:
        con.execute("DELETE FROM synth_responses")
    failed = train_flow(config_path=str(sample_config), return_state=True)
    assert failed.is_failed()
    with pytest.raises(TrainError, match="training source 'synthetic' has no rows in the warehouse; it is produced by "
                                         "the synthesis stage"):
        failed.result()
