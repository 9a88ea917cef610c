"""Compose authored, varied ED-forum-style posts with per-post ground truth.

`generate_posts` is deterministic for a given ``(n, seed)`` (it uses only a
seeded `random.Random`) and prefix-stable: the first ``k`` posts of an
``n``-post run equal a ``k``-post run. Each `SamplePost` records the
forum group, the Dataverse topics its sentences were composed from
(``themes``) and which special categories were injected (``categories``),
so tests and benchmarks can score later pipeline stages against it.

Category strings: ``weight_number`` (+ ``weight_number:<kind>``),
``harmless_number``, ``pro_ed`` (+ ``pro_ed:<kind>``), ``crisis``
(+ ``crisis:<level>`` on the C-SSRS ladder: wish_dead, ideation, method,
intent, plan, self_harm), ``crisis_lookalike``, ``pii`` (+ ``pii:<kind>``),
``injection``, ``raw`` (+ ``noise:<op>``) and ``multiline``.
"""

from __future__ import annotations

import gc
import random
import re
from bisect import bisect
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from interosight_core.samplegen import noise
from interosight_core.samplegen.pii import pii_sentence
from interosight_core.samplegen.specials import (
    CRISIS_TEMPLATES, GROUP_INITIAL, HARMLESS_NUMBER_TEMPLATES, INJECTION_TEMPLATES,
    LOOKALIKE_TEMPLATES, NUMBER_SLOTS, PRO_ED_TEMPLATES, WEIGHT_NUMBER_TEMPLATES,
)
from interosight_core.samplegen.themes import THEME_TEMPLATES, TOPICS
from interosight_core.samplegen.vocab import CLOSERS, CONTROL_TEMPLATES, OPENERS, SLOTS

GROUP_WEIGHTS: dict[str, float] = {"ed": 0.45, "diet": 0.25, "fitness": 0.15, "control": 0.15}

SUBREDDITS: dict[str, tuple[tuple[str, float], ...]] = {
    "ed": (("EatingDisorders", 5), ("EDAnonymous", 4), ("AnorexiaNervosa", 2),
           ("AnorexiaRecovery", 2), ("BingeEatingDisorder", 3), ("bulimia", 2),
           ("fuckeatingdisorders", 1), ("EDRecovery", 2), ("ARFID", 1), ("EDAnonymemes", 0.5)),
    "diet": (("loseit", 5), ("1200isplenty", 2), ("intermittentfasting", 2), ("keto", 2),
             ("CICO", 1), ("MealPrepSunday", 1)),
    "fitness": (("Fitness", 4), ("bodyweightfitness", 2), ("xxfitness", 2), ("running", 2),
                ("gainit", 1)),
    "control": (("AskReddit", 4), ("CasualConversation", 3), ("books", 2), ("gardening", 2),
                ("Cooking", 2)),
}

THEME_WEIGHTS: dict[str, dict[str, float]] = {
    "ed": {"ed": 3, "restrict": 3, "binge": 3, "bodyhate": 2.5, "fearfood": 2, "feargain": 2,
           "depressedmood": 2.5, "relation": 1.5, "idealbody": 1.5, "calorie": 1, "crave": 1,
           "gain": 1, "exercise": 0.7, "loss": 0.5, "protein": 0.2},
    "diet": {"loss": 3, "calorie": 3, "crave": 1.5, "protein": 1.5, "restrict": 0.7,
             "binge": 0.8, "gain": 0.8, "exercise": 1, "idealbody": 0.8, "bodyhate": 0.6,
             "relation": 0.5, "depressedmood": 0.3, "fearfood": 0.2, "feargain": 0.3},
    "fitness": {"exercise": 4, "protein": 2.5, "gain": 1.2, "loss": 0.8, "calorie": 0.7,
                "idealbody": 0.8, "bodyhate": 0.3, "relation": 0.2, "crave": 0.3,
                "depressedmood": 0.2},
}

# Per-group probability that a post gets each special category.
RATES: dict[str, dict[str, float]] = {
    "ed": {"weight_number": 0.28, "harmless_number": 0.20, "pro_ed": 0.06, "crisis": 0.035,
           "crisis_lookalike": 0.01, "pii": 0.05, "injection": 0.005},
    "diet": {"weight_number": 0.30, "harmless_number": 0.20, "pro_ed": 0.01, "crisis": 0.005,
             "crisis_lookalike": 0.01, "pii": 0.05, "injection": 0.005},
    "fitness": {"weight_number": 0.20, "harmless_number": 0.20, "pro_ed": 0.003, "crisis": 0.003,
                "crisis_lookalike": 0.01, "pii": 0.05, "injection": 0.005},
    "control": {"weight_number": 0.0, "harmless_number": 0.20, "pro_ed": 0.0, "crisis": 0.01,
                "crisis_lookalike": 0.01, "pii": 0.05, "injection": 0.005},
}
RAW_RATE = 0.30
MULTILINE_RATE_RAW = 0.04
MAX_SENTENCES = 8

_SLOTS = {**SLOTS, **NUMBER_SLOTS}
_SLOT_RE = re.compile(r"\{([a-z_]+?)\d?\}")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class SamplePost:
    """One generated post with its ground truth.

    ``themes`` are sorted Dataverse topic names the text was composed from;
    ``categories`` are sorted special-category tags (see module docstring).
    """

    sm_id: str
    text: str
    subreddit: str
    group: str
    themes: tuple[str, ...]
    categories: tuple[str, ...]


def _by_group(entries, pos):
    """Index ``entries`` by group, keeping those whose group string has the initial."""
    return {g: [e for e in entries if init in e[pos]] for g, init in GROUP_INITIAL.items()}


_WEIGHT_BY_GROUP = _by_group(WEIGHT_NUMBER_TEMPLATES, 2)
_HARMLESS_BY_GROUP = _by_group(HARMLESS_NUMBER_TEMPLATES, 1)
_PRO_ED_BY_GROUP = _by_group(PRO_ED_TEMPLATES, 2)
_GROUPS = tuple(GROUP_WEIGHTS)
_GROUP_CUM = tuple(sum(list(GROUP_WEIGHTS.values())[: i + 1]) for i in range(len(_GROUPS)))
_SUB_NAMES = {g: tuple(s for s, _ in subs) for g, subs in SUBREDDITS.items()}
_SUB_CUM = {g: tuple(sum(w for _, w in subs[: i + 1]) for i in range(len(subs)))
            for g, subs in SUBREDDITS.items()}
_THEME_NAMES = {g: tuple(w) for g, w in THEME_WEIGHTS.items()}
_THEME_CUM = {g: tuple(sum(list(w.values())[: i + 1]) for i in range(len(w)))
              for g, w in THEME_WEIGHTS.items()}


_COMPILED: dict[str, list[str]] = {}
_TOPIC_POS = {t: i for i, t in enumerate(TOPICS)}


def _choice(rand, seq):
    """Fast ``random.choice``: ``seq[int(rand() * len(seq))]``."""
    return seq[int(rand() * len(seq))]


def fill(template: str, rng: random.Random) -> str:
    """Fill every ``{slot}`` in ``template`` with a random filler."""
    if "{" not in template:
        return template
    parts = _COMPILED.get(template)
    if parts is None:
        parts = _COMPILED[template] = _SLOT_RE.split(template)
    out = parts[:]
    rand = rng.random
    for i in range(1, len(out), 2):
        values = _SLOTS[out[i]]
        out[i] = values[int(rand() * len(values))]
    return "".join(out)


INTERJECTIONS = ("honestly ", "idk ", "ugh ", "so ", "tbh ", "anyway ", "lately ", "and ",
                 "also ", "but ", "like ", "okay so ", "i guess ", "plus ", "basically ",
                 "weirdly ", "to be fair ", "ngl ")
TAGS = (" lol", " tbh", " idk", " haha", " ugh", " i guess", " if that makes sense",
        " at this point", " right now", " again", " honestly", " lately", " for real")


def _vary(sentence: str, rng: random.Random) -> str:
    """Sometimes add a meaning-neutral interjection or tag to ``sentence``."""
    u = rng.random()
    if u < 0.16:
        return INTERJECTIONS[int(u * 100) % len(INTERJECTIONS)] + sentence
    if u < 0.28 and not sentence.endswith("?"):
        return sentence + TAGS[int(u * 1000) % len(TAGS)]
    return sentence


_B36_PAIRS = tuple(a + b for a in _B36 for b in _B36)


def _sm_id(rng: random.Random, seen: set[int]) -> str:
    """Return a new unique Reddit-style id (6 base36 chars, 25% with ``t3_``)."""
    while True:
        value = 36 ** 5 + int(rng.random() * (36 ** 6 - 36 ** 5))
        if value not in seen:
            seen.add(value)
            break
    high, rest = divmod(value, 1296 * 1296)
    mid, low = divmod(rest, 1296)
    ident = _B36_PAIRS[high] + _B36_PAIRS[mid] + _B36_PAIRS[low]
    return "t3_" + ident if rng.random() < 0.25 else ident


def _pick_themes(rng: random.Random, group: str) -> list[str]:
    """Pick 1-3 distinct topics for a post of ``group``."""
    r = rng.random
    u = r()
    want = 1 if u < 0.45 else 2 if u < 0.85 else 3
    names, cum = _THEME_NAMES[group], _THEME_CUM[group]
    picked: list[str] = []
    for _ in range(want * 3):
        topic = names[bisect(cum, r() * cum[-1])]
        if topic not in picked:
            picked.append(topic)
            if len(picked) == want:
                break
    return picked


def _specials(rng: random.Random, group: str, raw: bool, cats: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Draw the special sentences of one post; append their tags to ``cats``."""
    rates = RATES[group]
    r = rng.random
    out: list[tuple[str, tuple[str, ...]]] = []
    if r() < rates["weight_number"] and _WEIGHT_BY_GROUP[group]:
        kind, topics, _, tpl = _choice(r, _WEIGHT_BY_GROUP[group])
        out.append((fill(tpl, rng), topics))
        cats += ["weight_number", f"weight_number:{kind}"]
    if r() < rates["harmless_number"]:
        topics, _, tpl = _choice(r, _HARMLESS_BY_GROUP[group])
        out.append((fill(tpl, rng), topics if group != "control" else ()))
        cats.append("harmless_number")
    if r() < rates["pro_ed"] and _PRO_ED_BY_GROUP[group]:
        kind, topics, _, tpl = _choice(r, _PRO_ED_BY_GROUP[group])
        out.append((fill(tpl, rng), topics))
        cats += ["pro_ed", f"pro_ed:{kind}"]
        if "{lbs" in tpl:
            cats += ["weight_number", "weight_number:weight"]
    if r() < rates["crisis"]:
        level, tpl = _choice(r, CRISIS_TEMPLATES)
        out.append((fill(tpl, rng), ("depressedmood",)))
        cats += ["crisis", f"crisis:{level}"]
    if r() < rates["crisis_lookalike"]:
        topics, tpl = _choice(r, LOOKALIKE_TEMPLATES)
        out.append((fill(tpl, rng), topics if group != "control" else ()))
        cats.append("crisis_lookalike")
    if r() < rates["pii"]:
        kind, sentence = pii_sentence(rng, raw)
        out.append((sentence, ()))
        cats += ["pii", f"pii:{kind}"]
    if r() < rates["injection"]:
        out.append((_choice(r, INJECTION_TEMPLATES), ()))
        cats.append("injection")
    return out


def compose_post(rng: random.Random, group: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Compose one post of ``group``; return ``(text, themes, categories)``."""
    r = rng.random
    raw = r() < RAW_RATE
    cats: list[str] = []
    # body entries: (sentence, topics, keep priority: 0 extra, 1 theme, 2 special)
    body: list[tuple[str, tuple[str, ...], int]] = []
    if group == "control":
        for tpl in rng.sample(CONTROL_TEMPLATES, _choice(r, (2, 2, 2, 3, 3, 4))):
            body.append((_vary(fill(tpl, rng), rng), (), 0))
    else:
        topics = _pick_themes(rng, group)
        want_two = len(topics) == 1
        for topic in topics:
            templates = THEME_TEMPLATES[topic]
            size = len(templates)
            first = int(r() * size)
            body.append((_vary(fill(templates[first], rng), rng), (topic,), 1))
            if r() < 0.45 or (want_two and not body[:-1]):
                second = (first + 1 + int(r() * (size - 1))) % size
                body.append((_vary(fill(templates[second], rng), rng), (topic,), 0))
    for sentence, topics in _specials(rng, group, raw, cats):
        body.insert(int(r() * (len(body) + 1)), (sentence, topics, 2))
    opener = _choice(r, OPENERS[group]) if r() < 0.35 else None
    closer = _choice(r, CLOSERS[group]) if r() < 0.35 else None
    extra = (opener is not None) + (closer is not None)
    while len(body) + extra > MAX_SENTENCES:
        if opener is not None:
            opener, extra = None, extra - 1
        elif closer is not None:
            closer, extra = None, extra - 1
        else:
            lowest = min(e[2] for e in body)  # specials (2) never go: at most 7 exist
            body.pop(max(i for i, e in enumerate(body) if e[2] == lowest))
    sentences = ([opener] if opener else []) + [e[0] for e in body] + ([closer] if closer else [])
    themes = tuple(sorted({t for e in body for t in e[1]}, key=_TOPIC_POS.__getitem__))
    if raw:
        text, ops = noise.render_raw(sentences, rng, r() < MULTILINE_RATE_RAW)
        cats += ["raw"] + [f"noise:{op}" for op in ops]
    else:
        text = noise.normalise(" ".join(sentences))
    if "\n" in text:
        cats.append("multiline")
    return text, themes, tuple(sorted(set(cats)))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (generation allocates millions of
    small acyclic objects; collections would triple the run time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate_posts(n: int, seed: int = 0) -> list[SamplePost]:
    """Return ``n`` deterministic synthetic posts for ``seed``.

    Groups follow `GROUP_WEIGHTS` (ed 45%, diet 25%, fitness 15%, control
    15%); ids are unique Reddit-style base36 strings.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = random.Random(seed)
    seen: set[int] = set()
    posts = []
    with gc_paused():
        for _ in range(n):
            sm_id = _sm_id(rng, seen)
            group = _GROUPS[bisect(_GROUP_CUM, rng.random() * _GROUP_CUM[-1])]
            cum = _SUB_CUM[group]
            sub = _SUB_NAMES[group][bisect(cum, rng.random() * cum[-1])]
            text, themes, cats = compose_post(rng, group)
            posts.append(SamplePost(sm_id, text, sub, group, themes, cats))
    return posts
