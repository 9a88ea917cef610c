"""The `openai` backend: retries, backoff, Retry-After, timeouts and concurrency against a scripted loopback
server, then real generation against vLLM's OpenAI server started on loopback (slow)."""

from __future__ import annotations

import time

import pytest

from interosight_core.synth.backends import make_backend
from interosight_core.synth.backends.base import GenerationRequest, SynthesisError
from interosight_core.synth.backends.openai_backend import (
    MAX_DELAY_S,
    OpenAIBackend,
    backoff_delay,
    parse_retry_after,
    split_tokens,
)
from interosight_core.synth.config import SynthesisConfig

from synth_backend_helpers import (
    ScriptedServer,
    completion_json,
    free_port,
    hf_greedy,
    messages,
    prompt_length,
    shared_model,
    start_vllm_server,
    stop_process_group,
    wait_healthy,
)


def _cfg(base_url: str, temperature: float = 0.8, max_new_tokens: int = 16, **openai) -> SynthesisConfig:
    settings = {"base_url": base_url, "served_model": "scripted-model", "backoff_s": 0.05, **openai}
    return SynthesisConfig(
        backend="openai",
        openai=settings,
        sampling={"temperature": temperature, "max_new_tokens": max_new_tokens, "top_p": 0.9},
    )


def _req(key: str, i: int = 0, n: int = 1, seed: int = 11) -> GenerationRequest:
    return GenerationRequest(key=key, messages=messages(i), n=n, seed=seed)


def _ok(index: int, body: dict):
    return 200, {}, completion_json(body)


# ---- pure helpers ---------------------------------------------------------------


def test_parse_retry_after_forms():
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_delay_doubles_with_jitter_and_honours_retry_after():
    import random

    rng = random.Random(0)
    for attempt in range(5):
        d = backoff_delay(attempt, 1.0, None, rng)
        assert 0.5 * 2**attempt <= d <= 1.5 * 2**attempt
    assert 3.0 <= backoff_delay(0, 1.0, 3.0, rng) <= 3.1
    assert backoff_delay(20, 1.0, None, rng) == MAX_DELAY_S


def test_split_tokens_keeps_the_total():
    assert split_tokens(10, ["aaaa", "a"]) == [8, 2]
    assert sum(split_tokens(17, ["x", "yy", "zzz"])) == 17
    assert split_tokens(5, []) == []


# ---- against a scripted loopback server -------------------------------------------


def test_retries_429_and_503_then_succeeds_and_honours_retry_after():
    def respond(i, body):
        if i == 0:
            return 429, {"Retry-After": "1"}, {"error": {"message": "slow down"}}
        if i in (1, 2):
            return 503, {}, {"error": {"message": "overloaded"}}
        return _ok(i, body)

    with ScriptedServer(respond) as srv:
        with make_backend(_cfg(srv.base_url, max_retries=5)) as backend:
            out = backend.generate([_req("a", seed=42)])
        times = [t for t, _, _ in srv.posts]
        bodies = [b for _, _, b in srv.posts]
    assert len(srv.posts) == 4
    assert [g.text for g in out[0]] == [f"reply 0 to: {messages(0)[-1]['content']}"]
    assert times[1] - times[0] >= 1.0  # Retry-After: 1 honoured
    assert times[2] - times[1] >= 0.05 * 0.5 and times[3] - times[2] >= 0.1 * 0.5  # backoff 0.05 doubling, ±50% jitter
    assert times[3] - times[0] < 5.0
    b = bodies[-1]
    assert b["model"] == "scripted-model" and b["seed"] == 42 and b["n"] == 1
    assert b["temperature"] == 0.8 and b["top_p"] == 0.9 and b["max_tokens"] == 16
    assert b["messages"] == messages(0)
    assert out[0][0].prompt_tokens == 7 and out[0][0].completion_tokens == len(out[0][0].text.split())


def test_always_failing_server_gives_one_line_error_naming_url_and_status():
    with ScriptedServer(lambda i, b: (503, {}, {"error": {"message": "down"}})) as srv:
        with make_backend(_cfg(srv.base_url, max_retries=2, backoff_s=0.01)) as backend:
            with pytest.raises(SynthesisError) as err:
                backend.generate([_req("a")])
    msg = str(err.value)
    assert "\n" not in msg
    assert srv.base_url in msg and "HTTP 503" in msg and "3 attempts" in msg
    assert len(srv.posts) == 3


def test_client_error_is_not_retried():
    with ScriptedServer(lambda i, b: (400, {}, {"error": {"message": "bad model name"}})) as srv:
        with make_backend(_cfg(srv.base_url, max_retries=4, backoff_s=0.01)) as backend:
            with pytest.raises(SynthesisError, match="HTTP 400") as err:
                backend.generate([_req("a")])
    assert "\n" not in str(err.value) and "bad model name" in str(err.value)
    assert len(srv.posts) == 1


def test_connection_refused_is_retried_then_reported():
    url = f"http://127.0.0.1:{free_port()}/v1"
    backend = OpenAIBackend(_cfg(url, max_retries=1, backoff_s=0.01))
    try:
        with pytest.raises(SynthesisError, match="connection error") as err:
            backend.generate([_req("a")])
    finally:
        backend.close()
    assert url in str(err.value) and "2 attempts" in str(err.value) and "\n" not in str(err.value)


def test_per_request_timeout():
    with ScriptedServer(_ok, delay_s=2.0) as srv:
        with make_backend(_cfg(srv.base_url, max_retries=0, timeout_s=0.3)) as backend:
            t0 = time.monotonic()
            with pytest.raises(SynthesisError, match="timeout_s=0.3"):
                backend.generate([_req("a")])
            assert time.monotonic() - t0 < 1.8


def test_concurrency_is_bounded_and_order_kept():
    with ScriptedServer(_ok, delay_s=0.25) as srv:
        with make_backend(_cfg(srv.base_url, max_concurrency=3)) as backend:
            reqs = [_req(f"k{i}", i=i) for i in range(10)]
            t0 = time.monotonic()
            out = backend.generate(reqs)
            elapsed = time.monotonic() - t0
    assert srv.max_in_flight == 3  # never more than max_concurrency, and it did run 3 at once
    assert elapsed < 10 * 0.25  # concurrent, not serial
    assert [o[0].text for o in out] == [f"reply 0 to: {messages(i)[-1]['content']}" for i in range(10)]


def test_served_model_is_asked_from_the_server():
    with ScriptedServer(_ok, models=["first-model", "second-model"]) as srv:
        with make_backend(_cfg(srv.base_url, served_model=None)) as backend:
            assert backend.info.model == "first-model"
            assert backend.info.backend == "openai" and backend.info.params["base_url"] == srv.base_url
            backend.generate([_req("a")])
    assert srv.requests[0][1] == "/v1/models"
    assert srv.posts[0][2]["model"] == "first-model"


def test_n_is_sent_and_topped_up_when_the_server_returns_fewer_choices():
    # a server that ignores n: always one choice
    with ScriptedServer(lambda i, b: (200, {}, completion_json(b, texts=[f"only {b['seed']}"]))) as srv:
        with make_backend(_cfg(srv.base_url)) as backend:
            out = backend.generate([_req("a", n=3, seed=100)])
            first = [b for _, _, b in srv.posts]
            out2 = backend.generate([_req("b", n=2, seed=200)])
            second = [b for _, _, b in srv.posts][len(first):]
    assert first[0]["n"] == 3 and first[0]["logprobs"] is True
    assert sorted(b["seed"] for b in first[1:]) == [101, 102] and all(b["n"] == 1 for b in first[1:])
    assert [g.text for g in out[0]] == ["only 100", "only 101", "only 102"]
    # after that, n > 1 goes one by one straight away
    assert sorted((b["n"], b["seed"]) for b in second) == [(1, 200), (1, 201)]
    assert sorted(g.text for g in out2[0]) == ["only 200", "only 201"]


def test_n_choices_in_one_response_and_apportioned_tokens():
    with ScriptedServer(lambda i, b: (200, {}, completion_json(b, texts=["one two three", "four"]))) as srv:
        with make_backend(_cfg(srv.base_url)) as backend:
            out = backend.generate([_req("a", n=2)])
    assert len(srv.posts) == 1
    assert [g.text for g in out[0]] == ["one two three", "four"]
    assert sum(g.completion_tokens for g in out[0]) == 4  # the server's usage total, split by length
    assert all(g.prompt_tokens == 7 for g in out[0])


def test_greedy_with_n_asks_once_and_repeats():
    with ScriptedServer(_ok) as srv:
        with make_backend(_cfg(srv.base_url, temperature=0.0)) as backend:
            out = backend.generate([_req("a", n=3)])
    assert len(srv.posts) == 1 and srv.posts[0][2]["n"] == 1
    assert len(out[0]) == 3 and len({g.text for g in out[0]}) == 1


def test_closed_backend_refuses():
    with ScriptedServer(_ok) as srv:
        backend = make_backend(_cfg(srv.base_url))
        backend.close()
        backend.close()  # twice is fine
        with pytest.raises(SynthesisError, match="closed"):
            backend.generate([_req("a")])


# ---- against a real vLLM OpenAI server on loopback ---------------------------------

MAX_NEW = 16


@pytest.fixture(scope="module")
def _one_thread():
    """One torch thread for the transformers reference (shared 2-core machine)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory, _one_thread):
    """A real `vllm.entrypoints.openai.api_server` serving the tiny model on 127.0.0.1 (~1-2 min to healthy here)."""
    pytest.importorskip("vllm")
    root = tmp_path_factory.mktemp("vllm-server")
    model_dir = shared_model(tmp_path_factory)
    port = free_port()
    log_path = root / "server.log"
    proc = start_vllm_server(model_dir, port, log_path, root / "vllm-cache")
    try:
        wait_healthy(proc, port, log_path)
        yield model_dir, f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process_group(proc)


@pytest.mark.slow
def test_vllm_server_greedy_matches_transformers_with_exact_token_counts(vllm_server):
    model_dir, url = vllm_server
    cfg = _cfg(url, temperature=0.0, max_new_tokens=MAX_NEW, served_model=None, backoff_s=0.5)
    with make_backend(cfg) as backend:
        assert backend.info.model == str(model_dir)  # GET /models on the real server
        out = backend.generate([_req(f"k{i}", i=i) for i in range(3)])
    for i, gens in enumerate(out):
        n_prompt, ids, text = hf_greedy(model_dir, messages(i), MAX_NEW)
        (g,) = gens
        assert g.text == text
        assert g.prompt_tokens == n_prompt == prompt_length(model_dir, messages(i))
        assert g.completion_tokens == len(ids)
        assert g.finish_reason == ("length" if len(ids) == MAX_NEW else "stop")


@pytest.mark.slow
def test_vllm_server_n_samples_seeds_and_per_choice_tokens(vllm_server):
    model_dir, url = vllm_server
    cfg = _cfg(url, temperature=1.0, max_new_tokens=MAX_NEW, served_model=None, max_concurrency=2)
    with make_backend(cfg) as backend:
        reqs = [_req("a", i=0, n=3, seed=1000), _req("b", i=1, n=2, seed=5000), _req("c", i=2, n=1, seed=9000)]
        out = backend.generate(reqs)
        again = backend.generate([_req("a2", i=0, n=1, seed=1000), _req("a3", i=0, n=1, seed=1001)])
    assert [len(o) for o in out] == [3, 2, 1]
    for req, gens in zip(reqs, out):
        n_prompt = prompt_length(model_dir, req.messages)
        for g in gens:
            assert g.prompt_tokens == n_prompt
            assert 1 <= g.completion_tokens <= MAX_NEW
            assert g.finish_reason in ("stop", "length")
            if g.finish_reason == "length":
                assert g.completion_tokens == MAX_NEW  # exact per choice (logprobs), not an apportioned share
    assert len({g.text for g in out[0]}) == 3  # three different samples
    # the same seed reproduces the first sample; vLLM seeds sample i with seed + i
    assert again[0][0].text == out[0][0].text
    assert again[1][0].text == out[0][1].text
