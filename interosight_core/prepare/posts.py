"""Posts through the prepare stage, inside DuckDB: clean, flag, score, decide, redact; then flag spans.

Every step is one SQL statement over whole columns, writing a table in the
scratch database `prep_scratch` that `stage.run_prepare` attaches. Each
intermediate is a table because DuckDB inlines a subquery's expression into
every reference to its column, which would re-derive a detector view once
per detector (seconds of planning and running on the full deposit); the
scratch database has small row groups because DuckDB parallelises a scan by
row group, and the warehouse's 122,880-row groups left one core working on
the whole 77k-post deposit:

1. `prep_scratch.clean`: the cleaned text of every post (`CLEAN_RULES`, once);
2. `prep_scratch.views`: per safety family, the detector view of the posts its
   prefilter lets through (`flagging.view_sql`);
3. `prep_scratch.hits`: per family, the detectors firing on the view;
4. `prep_scratch.posts`: the chosen annotator's relevance and themes, the flags
   and levels (from the hits), the exclusion reason, the `max_posts`
   ranking (highest relevance, then source, then post_id), and the
   redaction of *kept* posts only (`text_redacted` is what later stages
   read; excluded rows keep `text_clean` for audit), gated by the hits;
5. `prep_scratch.flags` (`stage_flags`): one row per detector match with its
   offsets on `text_clean`, the matched text and the rule's level, from
   `flagging.spans_sql` / `offsets_sql`, for flagged posts only.

Between 1 and 2, `posts_model.stage_model_hits` scores the cleaned posts
with the learned safety model (`prep_scratch.model_hits`). A family the
model flags and no rule of it does gets the hit `<family>_model` (level 1;
in `model_flags`; its flag row spans the whole text and carries the
model's probability); a numbers model hit makes the redaction replace every
number of the post (`safety.ALL_NUMBERS`).

Apart from the safety model's pass (posts read in chunks), nothing is pulled
into Python: memory is DuckDB's, which spills to disk.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from interosight_core.prepare.clean import sql_clean_expr
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.flagging import (
    hits_sql,
    level_sql,
    offsets_sql,
    prefilter_sql,
    redact_sql,
    rule_levels,
    spans_sql,
    view_sql,
)
from interosight_core.prepare.posts_model import Progress, stage_model_hits
from interosight_core.prepare.relevance import check_annotators, relevance_sql, scores_sql, themes_sql
from interosight_core.prepare.rules import sql_literal, sql_replace_chain
from interosight_core.prepare.safety import ALL_NUMBERS, FAMILIES, model_rule_name
from interosight_core.prepare.safety_model import MODEL_FAMILIES


def clean_sql() -> str:
    """SELECT for `prep_scratch.clean`: every post's cleaned text (computed once, read by every later step)."""
    return f"SELECT source, post_id, forum_group, {sql_clean_expr('text')} AS text_clean FROM prep_scratch.raw"


def views_sql() -> str:
    """SELECT for `prep_scratch.views`: each family's detector view, for the posts its prefilter lets through.

    The prefilters are a MATERIALIZED CTE and the views land in a table:
    DuckDB inlines a subquery's expression into every reference to its
    column, which would re-derive a view once per detector.
    """
    pre = ", ".join(f"{prefilter_sql(f, 'text_clean')} AS pre_{f}" for f in FAMILIES)
    views = ", ".join(f"CASE WHEN pre_{f} THEN {view_sql(f, 'text_clean')} END AS v_{f}" for f in FAMILIES)
    return (f"WITH pre AS MATERIALIZED (SELECT source, post_id, text_clean, {pre} FROM prep_scratch.clean) "
            f"SELECT source, post_id, {views} FROM pre WHERE {' OR '.join(f'pre_{f}' for f in FAMILIES)}")


def hits_select_sql() -> str:
    """SELECT for `prep_scratch.hits`: the detectors firing on each view (flags, levels and spans follow)."""
    hits = ", ".join(f"{hits_sql(f, f'v_{f}')} AS h_{f}" for f in FAMILIES)
    return f"SELECT source, post_id, {hits} FROM prep_scratch.views"


def _hit_column(family: str) -> str:
    """A family's hits: its rules' names, else `<family>_model` when the learned model flagged the post."""
    rules = f"coalesce(h.h_{family}, []::VARCHAR[])"
    if family not in MODEL_FAMILIES:
        return f"{rules} AS h_{family}"
    return (f"CASE WHEN len({rules}) = 0 AND list_contains(coalesce(m.families, []), {sql_literal(family)}) "
            f"THEN [{sql_literal(model_rule_name(family))}] ELSE {rules} END AS h_{family}")


def posts_sql(cfg: PrepareConfig) -> str:
    """SELECT for `prep_scratch.posts`: scores, themes, flags, levels, decision and redaction of every post."""
    hit_columns = ", ".join(_hit_column(f) for f in FAMILIES)
    family_list = ", ".join(f"CASE WHEN len(h_{f}) > 0 THEN '{f}' END" for f in FAMILIES)
    model_list = ", ".join(f"CASE WHEN list_contains(h_{f}, {sql_literal(model_rule_name(f))}) THEN '{f}' END"
                           for f in MODEL_FAMILIES)
    redact_families = [f for f, on in (("pii", cfg.redact_pii), ("numbers", cfg.redact_numbers)) if on]
    redact = redact_sql("text_clean", redact_families, hits={"pii": "h_pii", "numbers": "h_numbers"})
    if cfg.redact_numbers:  # the model saw ED numbers no rule found: every number goes
        redact = (f"CASE WHEN list_contains(model_flags, 'numbers') THEN {sql_replace_chain([ALL_NUMBERS], redact)} "
                  f"ELSE {redact} END")
    over_max = over_max_sql(cfg, "reason")
    return f"""
WITH scored AS (
    SELECT c.source, c.post_id, c.forum_group, c.text_clean, {hit_columns},
        {relevance_sql(cfg)} AS relevance, {themes_sql(cfg)} AS themes
    FROM prep_scratch.clean c
    LEFT JOIN prep_scratch.hits h ON h.source = c.source AND h.post_id = c.post_id
    LEFT JOIN (SELECT source, post_id, list(family) AS families FROM prep_scratch.model_hits GROUP BY ALL) m
        ON m.source = c.source AND m.post_id = c.post_id
    LEFT JOIN ({scores_sql(cfg.annotator)}) s ON s.source = c.source AND s.post_id = c.post_id
),
decided AS (
    SELECT source, post_id, forum_group, text_clean, relevance, themes,
        list_filter([{family_list}], lambda _f: _f IS NOT NULL) AS flags,
        list_filter([{model_list}], lambda _f: _f IS NOT NULL) AS model_flags,
        {level_sql('crisis', 'h_crisis')} AS crisis_level,
        {level_sql('pro_ed', 'h_pro_ed')} AS pro_ed_level,
        len(h_injection) > 0 AS injection, h_pii, h_numbers
    FROM scored
),
reasoned AS (
    SELECT *, CASE
        WHEN crisis_level > 0 THEN 'crisis_routed'
        WHEN text_clean = '' THEN 'empty_after_clean'
        WHEN {str(cfg.exclude_pro_ed).lower()} AND pro_ed_level >= {cfg.pro_ed_min_level} THEN 'pro_ed'
        WHEN {str(cfg.exclude_injection).lower()} AND injection THEN 'injection'
        WHEN relevance IS NULL OR relevance < {cfg.min_relevance_score!r} THEN 'low_relevance'
    END AS reason FROM decided
),
ranked AS MATERIALIZED (
    SELECT * EXCLUDE (reason, injection), coalesce(reason, {over_max}) AS exclude_reason FROM reasoned
)
SELECT source, post_id, forum_group, text_clean,
    CASE WHEN exclude_reason IS NULL THEN {redact} END AS text_redacted,
    relevance, themes, flags,
    CASE WHEN exclude_reason IS NULL THEN 'kept' ELSE 'excluded' END AS status,
    exclude_reason, crisis_level, pro_ed_level, model_flags
FROM ranked"""


def over_max_sql(cfg: PrepareConfig, reason: str) -> str:
    """SQL for 'over_max_posts' on the rows past `max_posts` among those `reason` leaves kept (NULL otherwise)."""
    if cfg.max_posts is None:
        return "NULL"
    return (f"CASE WHEN row_number() OVER (PARTITION BY {reason} IS NULL ORDER BY relevance DESC, source, post_id) "
            f"> {int(cfg.max_posts)} THEN 'over_max_posts' END")


def shard_filter_sql(shard: int, shards: int) -> str:
    """WHERE clause selecting shard `shard` of `shards` of the posts (by a hash of source and post id)."""
    return f"WHERE hash(source, post_id) % {int(shards)} = {int(shard)}"


def stage_posts(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig, where: str = "", cache_dir: Path | None = None,
                model_progress: Progress | None = None) -> None:
    """Create the scratch tables `model_hits`, `views`, `hits` and `posts` (one row per post) in `prep_scratch`.

    `where` (e.g. `shard_filter_sql`) limits the posts; the `max_posts` ranking then only sees them.
    `cache_dir` holds the safety model's embedding cache (None: no cache); `model_progress(done, total)`
    follows the model's pass over the posts.
    """
    if con.execute("SELECT count(*) FROM posts").fetchall()[0][0]:
        loaded = {r[0] for r in con.execute("SELECT DISTINCT annotator FROM topic_annotations").fetchall()}
        check_annotators(cfg.annotator, loaded)
    # Copied first: the scratch database's small row groups let every core work on the regexes.
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.raw AS SELECT source, post_id, forum_group, text FROM posts {where}")
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.clean AS {clean_sql()}")
    con.execute("DROP TABLE prep_scratch.raw")
    stage_model_hits(con, cfg, cache_dir, model_progress)
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.views AS {views_sql()}")
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.hits AS {hits_select_sql()}")
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.posts AS {posts_sql(cfg)}")
    con.execute("DROP TABLE prep_scratch.clean")


def merged_posts_sql(cfg: PrepareConfig, shard_tables: list[str]) -> str:
    """SELECT for `prep_scratch.posts` from shards staged without `max_posts`: the union, ranked globally.

    A shard's kept posts are all redacted; the ones the global `max_posts`
    ranking drops become `over_max_posts` and lose `text_redacted`, exactly
    as `posts_sql` decides them for the whole corpus at once.
    """
    union = " UNION ALL ".join(f"SELECT * FROM {t}" for t in shard_tables)
    return f"""
WITH ranked AS (SELECT *, {over_max_sql(cfg, 'exclude_reason')} AS over_max FROM ({union}))
SELECT source, post_id, forum_group, text_clean,
    CASE WHEN over_max IS NULL THEN text_redacted END AS text_redacted,
    relevance, themes, flags,
    CASE WHEN coalesce(exclude_reason, over_max) IS NULL THEN 'kept' ELSE 'excluded' END AS status,
    coalesce(exclude_reason, over_max) AS exclude_reason, crisis_level, pro_ed_level, model_flags
FROM ranked"""


def flags_sql() -> str:
    """SELECT for `prep_scratch.flags`: one row per detector match of every flagged post."""
    spans = ", ".join(spans_sql(f, f"v_{f}", f"h_{f}") for f in FAMILIES)
    flagged = " OR ".join(f"len(h_{f}) > 0" for f in FAMILIES)
    levels = ", ".join(f"({sql_literal(name)}, {level})" for name, (_, level) in rule_levels().items())
    return f"""
WITH items AS MATERIALIZED (
    SELECT p.source, p.post_id, p.text_clean, unnest(list_concat({spans})) AS item
    FROM prep_scratch.views v JOIN prep_scratch.hits h ON h.source = v.source AND h.post_id = v.post_id
    JOIN prep_scratch.posts p ON p.source = v.source AND p.post_id = v.post_id
    WHERE {flagged}
),
matches AS (
    SELECT source, post_id, text_clean, item.family AS family, item.rule AS rule,
        unnest({offsets_sql('item')}) AS m
    FROM items
)
SELECT source, post_id, family, rule, m.start_char::INTEGER AS start_char,
    (m.start_char + m.length)::INTEGER AS end_char,
    substring(text_clean, m.start_char + 1, m.length) AS matched, lv.level, NULL::DOUBLE AS score
FROM matches JOIN (VALUES {levels}) lv(rule, level) USING (rule)
UNION ALL
SELECT p.source, p.post_id, mh.family, mh.family || {sql_literal(model_rule_name(""))} AS rule, 0 AS start_char,
    length(p.text_clean)::INTEGER AS end_char, p.text_clean AS matched, 1 AS level, mh.score
FROM prep_scratch.model_hits mh JOIN prep_scratch.posts p ON p.source = mh.source AND p.post_id = mh.post_id
WHERE list_contains(p.model_flags, mh.family)"""


def stage_flags(con: duckdb.DuckDBPyConnection) -> int:
    """Create `prep_scratch.flags` from the views and hits staged by `stage_posts`; return its row count."""
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.flags AS {flags_sql()}")
    con.execute("DROP TABLE prep_scratch.views")
    con.execute("DROP TABLE prep_scratch.hits")
    con.execute("DROP TABLE prep_scratch.model_hits")
    return con.execute("SELECT count(*) FROM prep_scratch.flags").fetchall()[0][0]


__all__ = ["clean_sql", "flags_sql", "hits_select_sql", "merged_posts_sql", "over_max_sql", "posts_sql", "shard_filter_sql",
           "stage_flags", "stage_posts", "views_sql"]
