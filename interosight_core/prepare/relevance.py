"""Relevance and themes of posts, from the Dataverse topic annotations, in SQL.

The chosen annotator (`PrepareConfig.annotator`) gives each post one score
per topic, `s_<topic>` in 0..1:

- `ensemble` (default) or a single annotator file: that file's scores;
- `llm_mean`: the per-topic mean of the five LLM annotators' scores (NULLs
  ignored);
- `human`: the human 0/1 labels as 0.0/1.0 where the post has a human row
  (about 1.4% of posts), the ensemble score for every other post and for any
  topic the human row leaves empty. The fallback keeps the corpus usable
  while the human judgement wins wherever it exists.

Relevance = max over topics of `weight[topic] * s_<topic>`
(`PrepareConfig.topic_weights`, default `DEFAULT_TOPIC_WEIGHTS`). Why this
form:

- *max, not mean or sum*: a post is ED-relevant when it is clearly about one
  ED topic (a restriction post need not mention binges); averages dilute
  exactly those posts and sums reward long rambling posts;
- *weights*: the 15 topics are not equally diagnostic. Core ED
  psychopathology (ed, restrict, binge, bodyhate, feargain, fearfood) weighs
  1.0; ED-adjacent distress (idealbody 0.8, depressedmood 0.6, crave and
  relation 0.5) counts but needs a confident score; the topics that every
  diet or fitness forum discusses (calorie 0.25, loss, gain and exercise
  0.2, protein 0.1) are capped below the default `min_relevance_score` of
  0.3, so a post about macros or a running plan never passes on them alone,
  while a diet-forum post that talks about restricting or bingeing does
  (the deposit's point: ED talk also happens in diet forums). On the
  sample, mean relevance is about 0.7 in ED forums and well under 0.3 in
  control forums (see the prepare report's `relevance_by_group`);
- it reads only the wide `topic_annotations` table (one row per post and
  annotator), so it is one join and one expression per post.

Themes = the topics whose `s_<topic>` is at least `theme_threshold` (for
human rows: the topics labelled 1), in the deposit's topic order.
"""

from __future__ import annotations

from interosight_core.errors import PrepareError
from interosight_core.prepare.config import PrepareConfig, llm_annotators
from interosight_core.prepare.rules import sql_literal
from interosight_core.warehouse import TOPICS


def required_annotators(annotator: str) -> tuple[str, ...]:
    """The annotator files a choice reads (all must be loaded for the choice to be meaningful)."""
    if annotator == "llm_mean":
        return llm_annotators()
    if annotator == "human":
        return ("human", "ensemble")
    return (annotator,)


def check_annotators(annotator: str, loaded: set[str]) -> None:
    """Raise a one-line `PrepareError` when the warehouse lacks the annotations `annotator` needs."""
    missing = [a for a in required_annotators(annotator) if a not in loaded]
    if missing:
        have = ", ".join(sorted(loaded)) or "none"
        raise PrepareError(
            f"prepare.annotator: {annotator!r} needs topic annotations from {', '.join(missing)}, but the "
            f"warehouse has {have}; choose one of those or ingest the missing topic_<annotator> files"
        )


def scores_sql(annotator: str) -> str:
    """SQL of a relation (source, post_id, s_<topic>...) holding the chosen per-topic scores."""
    if annotator == "human":
        human = ", ".join(f"any_value({t}01)::DOUBLE AS h_{t}" for t in TOPICS)
        ens = ", ".join(f"avg({t}) AS e_{t}" for t in TOPICS)
        pick = ", ".join(f"coalesce(h.h_{t}, e.e_{t}) AS s_{t}" for t in TOPICS)
        return (
            f"SELECT coalesce(h.source, e.source) AS source, coalesce(h.post_id, e.post_id) AS post_id, {pick} "
            f"FROM (SELECT source, post_id, {ens} FROM topic_annotations WHERE annotator = 'ensemble' "
            f"GROUP BY ALL) e "
            f"FULL JOIN (SELECT source, post_id, {human} FROM topic_annotations WHERE annotator = 'human' "
            f"GROUP BY ALL) h ON h.source = e.source AND h.post_id = e.post_id"
        )
    names = llm_annotators() if annotator == "llm_mean" else (annotator,)
    members = ", ".join(sql_literal(n) for n in names)
    cols = ", ".join(f"avg({t}) AS s_{t}" for t in TOPICS)
    return f"SELECT source, post_id, {cols} FROM topic_annotations WHERE annotator IN ({members}) GROUP BY ALL"


def relevance_sql(cfg: PrepareConfig, prefix: str = "s_") -> str:
    """DuckDB DOUBLE: max over weighted topics of weight x score (NULL when the post has no scores)."""
    terms = [f"{weight!r} * {prefix}{topic}" for topic, weight in cfg.topic_weights.items() if weight > 0]
    if not terms:
        raise PrepareError("prepare.topic_weights: at least one topic must have a weight > 0")
    return f"greatest({', '.join(terms)})" if len(terms) > 1 else terms[0]


def themes_sql(cfg: PrepareConfig, prefix: str = "s_") -> str:
    """DuckDB VARCHAR[]: topics scoring at least `theme_threshold`, in topic order."""
    items = ", ".join(f"CASE WHEN {prefix}{t} >= {cfg.theme_threshold!r} THEN '{t}' END" for t in TOPICS)
    return f"list_filter([{items}], lambda _t: _t IS NOT NULL)"


__all__ = ["check_annotators", "relevance_sql", "required_annotators", "scores_sql", "themes_sql"]
