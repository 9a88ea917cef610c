"""Run one training stage under ``accelerate launch``: several processes (DDP, DeepSpeed ZeRO, FSDP).

The pipeline prepares a stage in its own process (draws the data mixture,
picks the run folder) and writes a ``StageSpec`` JSON plus the stage's data
as JSONL into the run folder. ``run_launched`` then starts

    python -m accelerate.commands.launch --num_processes N [--config_file F]
        -m interosight_core.train.launch <run folder>/launch_spec.json

and every rank runs ``main``: it reads the spec and calls ``run_sft`` or
``run_dpo``, which shard the data across ranks (DistributedSampler) and let
only rank 0 write the adapter and the result JSON. The parent reads that JSON
back. A failed launch is one ``TrainError`` line with the tail of the log
(the whole log stays in ``<run folder>/launch.log``).

On a machine without CUDA the ranks train on the CPU and talk over gloo:
``main`` sets ``ACCELERATE_USE_CPU`` so transformers asks accelerate for a
CPU process group, and each rank gets ``num_threads // processes`` torch
threads so the ranks do not oversubscribe the cores.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from interosight_core.train.config import DPOStageConfig, LauncherConfig, SFTStageConfig, TrainError

SPEC_FILE = "launch_spec.json"
DATA_FILE = "launch_data.jsonl"
LOG_FILE = "launch.log"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class StageSpec(BaseModel):
    """Everything a launched rank needs to run one stage (written as JSON next to the stage's data)."""

    kind: Literal["sft", "dpo"] = Field(description="Which runner: run_sft or run_dpo.")
    config: dict[str, Any] = Field(description="The SFTStageConfig / DPOStageConfig as a dict.")
    base_model: str = Field(description="Base model folder or Hub name.")
    data_path: str = Field(description="JSONL: one {'messages': [...], 'source'?} (SFT) or {prompt, chosen, rejected} (DPO) per line.")
    out_dir: str = Field(description="The stage's run folder (checkpoints, adapter, result JSON).")
    adapter: str | None = Field(None, description="SFT: the previous stage's adapter to continue; DPO: the SFT adapter.")


def free_port() -> int:
    """A TCP port that was free a moment ago on localhost (for the rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_spec(kind: str, stage_cfg: SFTStageConfig | DPOStageConfig, base_model: str | Path, rows: list[Any],
               out_dir: str | Path, adapter: str | Path | None = None) -> Path:
    """Write the stage's data (JSONL) and its ``StageSpec`` into ``out_dir``; return the spec path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / DATA_FILE
    with open(data, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row if kind == "dpo" or isinstance(row, dict) else {"messages": row}, ensure_ascii=False) + "\n")
    spec = StageSpec(kind=kind, config=stage_cfg.model_dump(mode="json"), base_model=str(base_model),
                     data_path=str(data), out_dir=str(out_dir), adapter=str(adapter) if adapter else None)
    path = out_dir / SPEC_FILE
    path.write_text(spec.model_dump_json(indent=2) + "\n")
    return path


def launch_command(spec_path: str | Path, launcher: LauncherConfig) -> list[str]:
    """The ``accelerate launch`` command line that runs ``spec_path`` on ``launcher.processes`` processes."""
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(launcher.processes)]
    if launcher.config_file is not None:  # the file decides machines, precision, DeepSpeed/FSDP
        config_file = Path(launcher.config_file)
        if not config_file.is_file():
            raise TrainError(f"training.launcher.config_file: {config_file} not found (see deployments/accelerate/)")
        cmd += ["--config_file", str(config_file.resolve())]
    else:  # accelerate's defaults, stated so it does not warn about each of them
        cmd += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
        if launcher.processes > 1:
            cmd += ["--multi_gpu"]  # torchrun-style launcher; on a CPU-only machine the ranks use gloo
    if launcher.processes > 1:
        cmd += ["--main_process_port", str(launcher.main_process_port or free_port())]
    cmd += [*launcher.extra_args, "-m", "interosight_core.train.launch", str(Path(spec_path).resolve())]
    return cmd


_EXCEPTION_LINE = re.compile(r"^(?:\[rank\d+\]:\s*)?([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)): (.*)$")


def _log_tail(path: Path, lines: int = 3) -> str:
    """The failure in one line: the last exception a rank raised (not the launcher's own), else the log's last lines."""
    if not path.is_file():
        return "no log written"
    text = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [m for ln in text if (m := _EXCEPTION_LINE.match(ln))
              and m.group(1).rsplit(".", 1)[-1] not in ("CalledProcessError", "ChildFailedError")]
    if errors:
        name, message = errors[-1].groups()
        return f"{name.rsplit('.', 1)[-1]}: {message}"[:800]
    noise = ("warn", "[w", "futurewarning", "userwarning")
    useful = [ln for ln in text if not ln.lower().startswith(noise)] or text
    return " | ".join(useful[-lines:])[-600:]


def run_launched(spec_path: str | Path, launcher: LauncherConfig):
    """Run a written stage spec under ``accelerate launch``; return its ``SFTResult`` / ``DPOResult``.

    Raises a one-line ``TrainError`` with the log tail when the launch fails
    or times out. The full output is in ``<run folder>/launch.log``.
    """
    import torch

    from interosight_core.train.dpo import load_dpo_result
    from interosight_core.train.sft import load_sft_result

    spec = StageSpec.model_validate_json(Path(spec_path).read_text())
    out_dir = Path(spec.out_dir)
    log_path = out_dir / LOG_FILE
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if not torch.cuda.is_available():
        threads = max(1, int(spec.config.get("num_threads", 1)) // launcher.processes)
        env["OMP_NUM_THREADS"] = str(threads)
        env["ACCELERATE_USE_CPU"] = "true"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    cmd = launch_command(spec_path, launcher)
    with open(log_path, "w", encoding="utf-8") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        try:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(PACKAGE_ROOT),
                                  timeout=launcher.timeout_s)
        except subprocess.TimeoutExpired:
            raise TrainError(f"accelerate launch of stage {out_dir.name}: no result after {launcher.timeout_s:g} s "
                             f"(training.launcher.timeout_s); log: {log_path}") from None
    if proc.returncode != 0:
        raise TrainError(f"accelerate launch of stage {out_dir.name} failed (exit {proc.returncode}): "
                         f"{_log_tail(log_path)}; full log: {log_path}")
    return load_dpo_result(out_dir) if spec.kind == "dpo" else load_sft_result(out_dir)


def main(argv: list[str] | None = None) -> int:
    """Entry point of every launched rank: run the stage described by the spec file ``argv[0]``."""
    import logging

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m interosight_core.train.launch SPEC.json", file=sys.stderr)
        return 2
    spec = StageSpec.model_validate_json(Path(args[0]).read_text())
    with open(spec.data_path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    import torch

    if not torch.cuda.is_available():  # CPU ranks: gloo process group (see the module docstring)
        os.environ.setdefault("ACCELERATE_USE_CPU", "true")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s rank" + os.environ.get("RANK", "0") + " %(name)s: %(message)s")
    world = int(os.environ.get("WORLD_SIZE", "1"))
    config = dict(spec.config)
    if not torch.cuda.is_available() and world > 1:
        config["num_threads"] = max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    if spec.kind == "sft":
        from interosight_core.train.sft import run_sft

        result = run_sft(SFTStageConfig.model_validate(config), spec.base_model, rows, spec.out_dir, resume_adapter=spec.adapter)
    else:
        from interosight_core.train.dpo import run_dpo

        if spec.adapter is None:
            raise TrainError(f"{args[0]}: a DPO spec needs the SFT adapter")
        result = run_dpo(DPOStageConfig.model_validate(config), spec.base_model, spec.adapter, rows, spec.out_dir)
    logging.getLogger(__name__).info("%s: done at step %d (world size %d)", result.stage, result.global_step, world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
