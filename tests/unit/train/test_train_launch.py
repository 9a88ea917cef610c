"""`accelerate launch` path: a real two-process gloo run on the tiny model, the command line, one-line failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from interosight_core.train.config import LauncherConfig, TrainError
from interosight_core.train.launch import LOG_FILE, launch_command, run_launched, write_spec

from .toy import conversations, sft_config

ROOT = Path(__file__).resolve().parents[3]
CPU_CONFIG = ROOT / "deployments" / "accelerate" / "cpu-gloo-2proc.yaml"


def test_launch_command_uses_the_config_file_or_states_the_defaults(tmp_path):
    spec = tmp_path / "spec.json"
    with_file = launch_command(spec, LauncherConfig(processes=2, config_file=CPU_CONFIG, main_process_port=29611))
    assert with_file[1:5] == ["-m", "accelerate.commands.launch", "--num_processes", "2"]
    assert ["--config_file", str(CPU_CONFIG)] == with_file[5:7] and "--mixed_precision" not in with_file
    assert with_file[-3:] == ["-m", "interosight_core.train.launch", str(spec.resolve())]
    assert "--main_process_port" in with_file and "29611" in with_file
    plain = launch_command(spec, LauncherConfig(processes=2, extra_args=["--max_restarts", "0"]))
    assert "--multi_gpu" in plain and plain[-5:-3] == ["--max_restarts", "0"]
    with pytest.raises(TrainError, match="training.launcher.config_file: .*missing.yaml not found"):
        launch_command(spec, LauncherConfig(config_file=tmp_path / "missing.yaml"))


@pytest.mark.slow
def test_failed_launch_is_one_line_with_the_rank_error(tmp_path):
    """The rank's own exception (not the launcher's CalledProcessError) is the message, in one line."""
    spec = write_spec("sft", sft_config(max_steps=1), tmp_path / "model", conversations(4), tmp_path / "run")
    (tmp_path / "run" / "launch_data.jsonl").unlink()  # the rank fails reading its data, before loading any model
    with pytest.raises(TrainError) as err:
        run_launched(spec, LauncherConfig(processes=1))
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("accelerate launch of stage run failed (exit 1): FileNotFoundError: ")
    assert "launch_data.jsonl" in msg and msg.endswith(f"full log: {tmp_path / 'run' / LOG_FILE}")


@pytest.mark.slow
def test_two_process_gloo_sft_produces_a_loadable_adapter(tiny_model, tmp_path):
    """Two CPU ranks over gloo train one adapter: rank 0 writes it, both ranks took part, it loads and differs from init."""
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    cfg = sft_config(max_steps=3, per_device_train_batch_size=2, num_threads=2, save_steps=10,
                     lora={"r": 8, "alpha": 16, "modules_to_save": ["lm_head"]})
    spec = write_spec("sft", cfg, tiny_model, conversations(16), tmp_path / "run")
    result = run_launched(spec, LauncherConfig(processes=2, config_file=CPU_CONFIG))

    log = (tmp_path / "run" / LOG_FILE).read_text()
    assert "rank0 " in log and "rank1 " in log and "done at step 3 (world size 2)" in log
    assert result.global_step == 3 and len(result.loss_history) == 3
    assert result.num_examples == 16  # the whole set; each rank reads its half through the DistributedSampler
    weights = load_file(str(result.adapter_dir / "adapter_model.safetensors"))
    lora_b = [w for k, w in weights.items() if "lora_B" in k]
    assert lora_b and any(w.abs().sum() > 0 for w in lora_b), "LoRA B starts at zero: the adapter never trained"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny_model)), str(result.adapter_dir))
    ids = torch.tensor([[1, 10, 11, 12]])
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model))
    with torch.no_grad():
        assert not torch.allclose(model(ids).logits, base(ids).logits)
