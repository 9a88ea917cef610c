"""DPO preference pairs from the synthesised replies (seed project 004's stage 3).

For each post (highest relevance first, up to `max_pairs`, never a held-out
post) the replies of the current prompt version, backend and model are
scored with the MI coder (`mi_score`: the share of a reply's sentences coded
as a reflection or an open question) and paired:

- `contrast`: chosen = the accepted MI reply, rejected = the reply to the
  contrast prompt (unsolicited advice, lecturing, minimising);
- `n_best`: chosen = the best-scoring accepted candidate of the `n` sampled,
  rejected = the worst-scoring one.

A rejected reply is always one with nothing ED-harmful in it (`ed_harm`
false: no numbers, no diet/weight/exercise advice, no shaming), so no
harmful text is ever a training target. A pair is kept only when chosen beats
rejected by `min_margin`. Scores are written back to `synth_responses.mi_score`
and pairs are inserted with how they were made; re-runs only add what is
missing (`pair_id` is the hash of the two reply ids).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable

from interosight_core.heldout import heldout_sql
from interosight_core.synth.config import SynthesisConfig
from interosight_core.synth.prompts import prompt_version_id
from interosight_core.warehouse import open_warehouse, transaction

if TYPE_CHECKING:
    from interosight_core.evaluate.mi_coder import MICoder

ProgressFn = Callable[[int, int], None]
MI_ADHERENT = {("reflection", None), ("question", "open")}


def mi_score(coded: Iterable) -> float:
    """Share of coded sentences that are reflections or open questions (0.0 for an empty reply)."""
    items = list(coded)
    if not items:
        return 0.0
    good = sum(1 for c in items if c.behaviour == "reflection" or (c.behaviour == "question" and c.question_subtype == "open"))
    return good / len(items)


def score_replies(texts: list[str], contexts: list[str], coder: "MICoder") -> list[float]:
    """`mi_score` of each reply, coding every sentence against its post in one batched pass."""
    from interosight_core.evaluate.miti import split_into_utterances

    items, owner = [], []
    for i, (text, context) in enumerate(zip(texts, contexts)):
        for sentence in split_into_utterances(text):
            items.append((sentence, context, "therapist"))
            owner.append(i)
    coded = coder.predict(items) if items else []
    per_reply: list[list] = [[] for _ in texts]
    for i, c in zip(owner, coded):
        per_reply[i].append(c)
    return [mi_score(c) for c in per_reply]


def _candidates(con, cfg: SynthesisConfig, backend: str, model: str) -> list[tuple]:
    """(source, post_id, kind, response_id, response, prompt, accepted, ed_harm, mi_score, post_text) rows to pair."""
    version = prompt_version_id(cfg.prompt_version)
    kinds = ("mi", "contrast") if cfg.preferences.method == "contrast" else ("mi",)
    limit = f"LIMIT {int(cfg.preferences.max_pairs)}" if cfg.preferences.max_pairs else ""
    return con.execute(
        f"""
        WITH posts AS (
            SELECT p.source, p.post_id, p.text_redacted, p.relevance FROM prepared_posts p
            WHERE p.status = 'kept' AND NOT {heldout_sql('p.source', 'p.post_id')}
              AND EXISTS (SELECT 1 FROM synth_responses r WHERE r.source = p.source AND r.post_id = p.post_id
                          AND r.kind = 'mi' AND r.accepted AND r.prompt_version = ? AND r.backend = ? AND r.model = ?)
            ORDER BY p.relevance DESC NULLS LAST, p.source, p.post_id {limit}
        )
        SELECT r.source, r.post_id, r.kind, r.response_id, r.response, r.prompt, r.accepted, r.ed_harm, r.mi_score,
               posts.text_redacted
        FROM synth_responses r JOIN posts USING (source, post_id)
        WHERE r.prompt_version = ? AND r.backend = ? AND r.model = ? AND r.kind IN ({', '.join('?' * len(kinds))})
          AND NOT r.ed_harm
        ORDER BY r.source, r.post_id, r.kind, r.attempt, r.candidate
        """,
        [version, backend, model, version, backend, model, *kinds],
    ).fetchall()


def build_preference_pairs(
    warehouse_path: str,
    cfg: SynthesisConfig,
    backend: str,
    model: str,
    coder: "MICoder | None" = None,
    progress: ProgressFn | None = None,
) -> dict:
    """Score candidate replies with the MI coder and insert the missing preference pairs; return counts."""
    from interosight_core.evaluate.mi_coder import MICoder

    prefs = cfg.preferences
    with open_warehouse(warehouse_path, read_only=True) as con:
        rows = _candidates(con, cfg, backend, model)
    unscored = [r for r in rows if r[8] is None]
    scores = {r[3]: r[8] for r in rows if r[8] is not None}
    if unscored:
        coder = coder or MICoder.load()
        step = 64
        for start in range(0, len(unscored), step):
            chunk = unscored[start : start + step]
            for r, s in zip(chunk, score_replies([r[4] for r in chunk], [r[9] or "" for r in chunk], coder)):
                scores[r[3]] = s
            if progress:
                progress(min(start + step, len(unscored)), len(unscored))
    by_post: dict[tuple[str, str], list[tuple]] = {}
    for r in rows:
        by_post.setdefault((r[0], r[1]), []).append(r)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    version = prompt_version_id(cfg.prompt_version)
    pairs, too_close, incomplete = [], 0, 0
    for (source, post_id), group in by_post.items():
        chosen_pool = [r for r in group if r[2] == "mi" and r[6]]
        rejected_pool = [r for r in group if r[2] == "contrast"] if prefs.method == "contrast" else [r for r in group if r[2] == "mi"]
        if not chosen_pool or not rejected_pool:
            incomplete += 1
            continue
        chosen = max(chosen_pool, key=lambda r: (scores[r[3]], r[3]))
        rejected = min(rejected_pool, key=lambda r: (scores[r[3]], r[3]))
        if chosen[3] == rejected[3] or scores[chosen[3]] - scores[rejected[3]] < prefs.min_margin:
            too_close += 1
            continue
        pair_id = hashlib.sha256(f"{chosen[3]}:{rejected[3]}".encode()).hexdigest()
        pairs.append([pair_id, source, post_id, chosen[5], chosen[4], rejected[4], chosen[3], rejected[3],
                      scores[chosen[3]], scores[rejected[3]], prefs.method, backend, model, version,
                      '{"min_margin": %s}' % prefs.min_margin, 0, "preferences", now, now])
    with open_warehouse(warehouse_path) as con, transaction(con):
        if unscored:
            con.executemany("UPDATE synth_responses SET mi_score = ? WHERE response_id = ?",
                            [[scores[r[3]], r[3]] for r in unscored])
        before = con.execute("SELECT count(*) FROM preference_pairs").fetchone()[0]
        con.executemany(f"INSERT INTO preference_pairs VALUES ({', '.join('?' * 19)}) ON CONFLICT DO NOTHING", pairs)
        added = con.execute("SELECT count(*) FROM preference_pairs").fetchone()[0] - before
    return {"posts": len(by_post), "scored": len(unscored), "pairs_added": added, "pairs_eligible": len(pairs),
            "below_margin": too_close, "incomplete": incomplete, "method": prefs.method}
