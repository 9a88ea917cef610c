"""The `openai` backend: any OpenAI-compatible chat-completions server (vLLM's server, OpenAI, others).

Client choice: the `openai` package's `AsyncOpenAI`, with its own retries
switched off (``max_retries=0``) and this module's retry loop on top. The SDK
gives the exact request/response schema of chat completions (``n``, ``seed``,
``usage``), API-key and base-URL handling, and typed errors that carry the
HTTP status and the response headers (for ``Retry-After``); the retry loop
stays ours so that the policy is the documented one (429, 408, 409, 5xx and
connection errors; exponential backoff from ``backoff_s`` with jitter;
``Retry-After`` honoured; a one-line `SynthesisError` naming the URL and the
last status once ``max_retries`` are spent) and the concurrency bound is one
semaphore per `generate` call (``max_concurrency`` requests in flight).
vLLM depends on the same package, so it adds nothing to a vLLM install.

The backend is synchronous (the `Backend` protocol) and runs its own asyncio
event loop in a daemon thread for its lifetime: `generate` works from plain
code, Prefect task threads and code that already runs an event loop, and the
HTTP connection pool is reused across calls. `close()` stops it.

Behaviour worth knowing:

- ``served_model`` None: ``GET /models`` once at start-up, first id.
- ``n > 1``: sent as ``n`` in one request (vLLM supports it). A server that
  returns fewer choices gets the missing ones as separate ``n=1`` requests
  with seeds ``seed+i`` (vLLM's own convention for the i-th sample), and
  later requests go one by one straight away.
- Greedy (``temperature == 0``) with ``n > 1``: vLLM refuses it; one
  completion is requested and repeated `n` times.
- Token counts come from ``usage``: ``prompt_tokens`` per request and
  ``completion_tokens`` for ``n == 1``. For ``n > 1`` in one response
  ``usage`` only has the total, so such requests ask for ``logprobs`` (one
  entry per generated token) and each choice gets its own exact count when
  those add up to the total; a server without logprobs gets the total
  apportioned over the choices by text length (the sum stays exact).
- ``max_tokens`` (not ``max_completion_tokens``) is sent: every
  OpenAI-compatible server accepts it.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import threading
import time
from typing import Any, Awaitable, Callable

from interosight_core.synth.backends.base import BackendInfo, Generation, GenerationRequest, SynthesisError
from interosight_core.synth.config import SynthesisConfig

log = logging.getLogger(__name__)

#: Longest single wait between attempts, whatever the backoff or Retry-After says.
MAX_DELAY_S = 120.0
#: HTTP statuses that are retried (as the OpenAI SDK does): timeout, conflict, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 409, 429})
_GREEDY_EPS = 1e-5


def _one_line(text: Any, limit: int = 200) -> str:
    """Collapse whitespace to one line and cut to `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date); None if absent or unreadable."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000.0)
    except (TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, backoff_s: float, retry_after: float | None, rng: random.Random) -> float:
    """Wait before retry number ``attempt + 1``: Retry-After when given, else ``backoff_s * 2**attempt`` with ±50% jitter; capped at MAX_DELAY_S."""
    if retry_after is not None:
        return min(MAX_DELAY_S, retry_after + rng.uniform(0.0, 0.1 * backoff_s))
    base = backoff_s * (2.0**attempt)
    return min(MAX_DELAY_S, base * rng.uniform(0.5, 1.5))


def split_tokens(total: int, texts: list[str]) -> list[int]:
    """Apportion `total` completion tokens over `texts` by character length; the parts sum to `total`."""
    if not texts:
        return []
    weights = [max(len(t), 1) for t in texts]
    wsum = sum(weights)
    shares = [total * w / wsum for w in weights]
    parts = [int(s) for s in shares]
    # hand the remainder to the largest fractional parts (stable order for ties)
    order = sorted(range(len(texts)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class OpenAIBackend:
    """Chat completions against an OpenAI-compatible server, with bounded concurrency, timeouts and retries.

    Settings come from ``cfg.openai`` (URL, key env var, served model,
    concurrency, timeout, retries, backoff) and ``cfg.sampling``.
    ``model_path`` is not used to load anything (the server has the model);
    it is recorded in ``info.params`` when given. ``info.model`` is the served
    model id; ``info.params`` holds the client settings (the runner records
    the sampling parameters itself). ``api_key`` overrides the
    environment variable named by ``cfg.openai.api_key_env``.
    """

    def __init__(self, cfg: SynthesisConfig, model_path: str | os.PathLike | None = None, api_key: str | None = None) -> None:
        """Connect (and ask the server for its model when `served_model` is None); raise `SynthesisError` on failure."""
        try:
            import openai
        except ImportError as exc:  # a dependency of the project; only a broken install lands here
            raise SynthesisError("backend 'openai' needs the openai package: pip install 'openai>=2.25'") from exc
        self._openai = openai
        self.cfg = cfg
        self.settings = cfg.openai
        self.base_url = self.settings.base_url.rstrip("/")
        self._rng = random.Random()
        self._n_supported = True
        self._closed = False

        key = api_key or os.environ.get(self.settings.api_key_env) or "EMPTY"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="openai-backend-loop", daemon=True)
        self._thread.start()
        self._client = self._run(self._make_client(key))
        try:
            self.served_model = self.settings.served_model or self._run(self._first_model())
        except BaseException:
            self.close()
            raise

        params: dict[str, Any] = {
            "base_url": self.base_url,
            "served_model": self.served_model,
            "max_concurrency": self.settings.max_concurrency,
            "timeout_s": self.settings.timeout_s,
            "max_retries": self.settings.max_retries,
        }
        if model_path:
            params["model_path"] = str(model_path)
        self.info = BackendInfo(backend="openai", model=self.served_model, params=params)

    # ---- event-loop plumbing -------------------------------------------------

    async def _make_client(self, key: str):
        """The SDK client, created inside the backend's loop (its connection pool belongs to that loop)."""
        return self._openai.AsyncOpenAI(
            base_url=self.base_url, api_key=key, max_retries=0, timeout=self.settings.timeout_s
        )

    def _run(self, coro: Awaitable[Any]) -> Any:
        """Run `coro` on the backend's loop and wait for its result (from any thread)."""
        if self._closed:
            if asyncio.iscoroutine(coro):
                coro.close()
            raise SynthesisError("backend 'openai' is closed: build a new backend with make_backend(...)")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    # ---- HTTP with retries ---------------------------------------------------

    async def _with_retries(self, op: Callable[[], Awaitable[Any]], what: str) -> Any:
        """Await `op()` with retries on 408/409/429/5xx/connection errors; one-line `SynthesisError` when spent."""
        openai = self._openai
        s = self.settings
        attempts = s.max_retries + 1
        last = "no attempt"
        for attempt in range(attempts):
            retry_after = None
            try:
                return await op()
            except openai.APIStatusError as exc:
                status = exc.status_code
                reason = _one_line(getattr(exc.response, "reason_phrase", "") or "")
                last = f"HTTP {status} {reason}".strip()
                if status not in RETRY_STATUSES and status < 500:
                    detail = _one_line(getattr(exc, "message", "") or exc)
                    raise SynthesisError(
                        f"backend 'openai': {what} on {self.base_url} was refused with HTTP {status}: {detail}; "
                        "check synthesis.openai (served_model, api_key_env) and the request"
                    ) from exc
                retry_after = parse_retry_after(exc.response.headers)
            except openai.APITimeoutError:
                last = f"no answer within timeout_s={s.timeout_s:g}"
            except openai.APIConnectionError as exc:
                cause = exc.__cause__ or exc
                last = f"connection error ({_one_line(type(cause).__name__ + ': ' + str(cause), 120)})"
            except openai.OpenAIError as exc:  # e.g. a response body that is not chat-completions JSON
                raise SynthesisError(f"backend 'openai': {what} on {self.base_url} failed: {_one_line(exc)}") from exc
            if attempt + 1 < attempts:
                delay = backoff_delay(attempt, s.backoff_s, retry_after, self._rng)
                log.warning("openai backend: %s on %s: %s; retry %d/%d in %.2fs", what, self.base_url, last, attempt + 1, s.max_retries, delay)
                await asyncio.sleep(delay)
        raise SynthesisError(
            f"backend 'openai': {what} on {self.base_url} failed after {attempts} attempts (last: {last}); "
            "check that the server is up and reachable, or raise synthesis.openai.max_retries / timeout_s"
        )

    async def _first_model(self) -> str:
        """The first model id the server lists (``GET /models``)."""
        page = await self._with_retries(lambda: self._client.models.list(), "GET /models")
        ids = [m.id for m in getattr(page, "data", []) or []]
        if not ids:
            raise SynthesisError(
                f"backend 'openai': GET /models on {self.base_url} listed no model; set synthesis.openai.served_model"
            )
        return ids[0]

    async def _chat(self, request: GenerationRequest, n: int, seed: int, sem: asyncio.Semaphore):
        """One chat-completions call (holding one concurrency slot while it is in flight)."""
        s = self.cfg.sampling
        body: dict[str, Any] = dict(
            model=self.served_model,
            messages=request.messages,
            n=n,
            temperature=s.temperature,
            top_p=s.top_p,
            max_tokens=s.max_new_tokens,
            seed=seed,
        )
        if n > 1:  # `usage` only has the total; per-token logprobs give each choice's own count
            body["logprobs"] = True
        async with sem:
            return await self._with_retries(
                lambda: self._client.chat.completions.create(**body), "POST /chat/completions"
            )

    @staticmethod
    def _generations(response: Any, limit: int) -> list[Generation]:
        """Generations from a chat-completions response (at most `limit`), token counts from its `usage`."""
        choices = sorted(getattr(response, "choices", None) or [], key=lambda c: c.index)[:limit]
        usage = getattr(response, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_total = int(getattr(usage, "completion_tokens", 0) or 0)
        texts = [(c.message.content or "") if c.message is not None else "" for c in choices]
        if len(choices) == 1:
            counts = [completion_total]
        else:
            per_choice = [
                len(c.logprobs.content) if c.logprobs is not None and c.logprobs.content is not None else None
                for c in choices
            ]
            exact = None not in per_choice and (usage is None or sum(per_choice) == completion_total)
            counts = per_choice if exact else split_tokens(completion_total, texts)
        return [
            Generation(text=t, prompt_tokens=prompt_tokens, completion_tokens=k, finish_reason=c.finish_reason or "stop")
            for c, t, k in zip(choices, texts, counts)
        ]

    async def _complete(self, request: GenerationRequest, sem: asyncio.Semaphore) -> list[Generation]:
        """`request.n` generations for one request (one call with `n`, topped up one by one if the server gives fewer)."""
        greedy = self.cfg.sampling.temperature < _GREEDY_EPS
        want = 1 if greedy else request.n
        gens: list[Generation] = []
        if want == 1 or self._n_supported:
            gens = self._generations(await self._chat(request, want, request.seed, sem), want)
            if len(gens) < want and want > 1:
                if self._n_supported:
                    log.warning("openai backend: %s returned %d of n=%d choices; sending one request per sample from now on", self.base_url, len(gens), want)
                self._n_supported = False
        if len(gens) < want:
            extra = await asyncio.gather(
                *(self._chat(request, 1, request.seed + i, sem) for i in range(len(gens), want))
            )
            for resp in extra:
                gens.extend(self._generations(resp, 1))
        if len(gens) < want:
            raise SynthesisError(
                f"backend 'openai': POST /chat/completions on {self.base_url} returned no choice for request {request.key!r}; "
                "check the server log"
            )
        return gens * request.n if greedy else gens

    async def _complete_all(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """All requests concurrently (at most `max_concurrency` HTTP calls in flight); the first failure cancels the rest."""
        sem = asyncio.Semaphore(self.settings.max_concurrency)
        tasks = [asyncio.ensure_future(self._complete(r, sem)) for r in requests]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    # ---- Backend protocol ----------------------------------------------------

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Complete every request `request.n` times, in order; raise `SynthesisError` (one line) when the server fails."""
        if not requests:
            return []
        for r in requests:
            if r.n < 1:
                raise SynthesisError(f"request {r.key!r} asks for n={r.n} completions; n must be at least 1")
        try:
            return self._run(self._complete_all(list(requests)))
        except SynthesisError:
            raise
        except Exception as exc:
            raise SynthesisError(f"backend 'openai': generation on {self.base_url} failed: {_one_line(f'{type(exc).__name__}: {exc}')}") from exc

    def close(self) -> None:
        """Close the HTTP client and stop the event-loop thread; safe to call twice."""
        if self._closed:
            return
        client = getattr(self, "_client", None)
        if client is not None:
            try:
                asyncio.run_coroutine_threadsafe(client.close(), self._loop).result(timeout=10)
            except Exception as exc:  # closing must not mask the caller's own error
                log.warning("openai backend: closing the HTTP client: %s", _one_line(exc))
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> "OpenAIBackend":
        """Use as a context manager: the client is closed on exit."""
        return self

    def __exit__(self, *exc) -> None:
        """Close the client."""
        self.close()
