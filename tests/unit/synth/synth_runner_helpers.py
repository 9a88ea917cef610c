"""Helpers for the synthesis runner tests: a small prepared warehouse and a scripted backend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from interosight_core.synth.backends.base import BackendInfo, Generation
from interosight_core.warehouse import open_warehouse

POSTS = [
    "i keep skipping meals and i feel so ashamed when my family notices, i do not know how to stop",
    "every time i look in the mirror i hate what i see and it ruins my whole day",
    "i binged again last night and now i feel disgusting and scared to eat anything today",
    "my therapist wants me to try eating breakfast but i am terrified of gaining weight",
    "i am tired of thinking about food all the time, it takes over everything",
    "my friends invited me to dinner and i panicked and made up an excuse",
    "i want to recover but part of me does not want to let go of control",
    "i feel like nobody understands how hard it is to eat in front of people",
    "counting everything i eat has become exhausting but stopping feels impossible",
    "i relapsed after six months and i feel like i failed everyone",
    "i am scared my body will never feel like mine again",
    "some days i do okay and some days food feels like the enemy",
]
CRISIS = [
    "i do not want to be here anymore, i have been thinking about ending it",
    "i have a plan to kill myself this weekend and i am saying goodbye",
]


def make_prepared_warehouse(path: Path, n_posts: int = len(POSTS)) -> Path:
    """A warehouse with the real DDL holding `n_posts` kept posts and two crisis-routed posts."""
    now = datetime(2026, 1, 1)
    rows = []
    for i, text in enumerate(POSTS[:n_posts]):
        rows.append(["sample", f"p{i:03d}", "ed", text, text, 1.0 - i / 100, ["restrict", "bodyhate"], [], "kept", None, 0, 0, "fp", now])
    for i, text in enumerate(CRISIS):
        rows.append(["sample", f"c{i:03d}", "ed", text, None, 0.9, ["depressedmood"], ["crisis"], "excluded", "crisis_routed", 5, 0, "fp", now])
    with open_warehouse(path) as con:
        con.executemany(f"INSERT INTO prepared_posts VALUES ({', '.join('?' * 14)})", rows)
    return path


class ScriptedBackend:
    """A deterministic in-process backend: replies are produced by `script(request, call_number)`.

    Used to drive the runner's gate/regeneration/transaction logic precisely;
    the real engines are tested in their own files.
    """

    def __init__(self, script, fail_on_call: int | None = None):
        self.script = script
        self.calls = 0
        self.fail_on_call = fail_on_call
        self.info = BackendInfo(backend="scripted", model="script", params={})

    def generate(self, requests):
        self.calls += 1
        if self.fail_on_call is not None and self.calls == self.fail_on_call:
            raise RuntimeError("engine crashed")
        return [[Generation(text=self.script(r, self.calls), prompt_tokens=10, completion_tokens=5) for _ in range(r.n)]
                for r in requests]

    def close(self):
        pass
