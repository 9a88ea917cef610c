"""PrepareConfig: defaults, ranges and one-line errors naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from interosight_core.config import parse_config
from interosight_core.errors import ConfigError
from interosight_core.prepare.config import DEFAULT_TOPIC_WEIGHTS, PrepareConfig, known_annotators


def error_line(**fields) -> str:
    """Validate `fields` as the pipeline's `prepare` section and return the one-line ConfigError."""
    with pytest.raises(ConfigError) as info:
        parse_config({"prepare": fields}, origin="cfg.yaml")
    return str(info.value)


def test_defaults_serve_the_embedded_mode() -> None:
    cfg = PrepareConfig()
    assert cfg.annotator == "ensemble"
    assert 0 < cfg.min_relevance_score < 1 and cfg.max_posts is None
    assert cfg.exclude_pro_ed and not cfg.exclude_injection and cfg.redact_numbers and cfg.redact_pii
    assert cfg.dialogs.window_exchanges == [2, 3] and cfg.dialogs.max_exchanges_per_chunk == 8
    assert (cfg.dialogs.split.train, cfg.dialogs.split.val, cfg.dialogs.split.test) == (0.8, 0.1, 0.1)
    assert cfg.topic_weights == DEFAULT_TOPIC_WEIGHTS


def test_every_field_is_described() -> None:
    schema = PrepareConfig.model_json_schema()
    models = [schema, *schema.get("$defs", {}).values()]
    missing = [(m.get("title"), name) for m in models for name, prop in m.get("properties", {}).items()
               if not prop.get("description")]
    assert not missing


def test_unknown_annotator_is_one_line_listing_the_allowed_values() -> None:
    line = error_line(annotator="gpt5")
    assert "\n" not in line
    assert line.startswith("cfg.yaml: prepare.annotator: unknown annotator 'gpt5'")
    for name in known_annotators():
        assert name in line
    assert {"ensemble", "human", "llm_mean", "gpt4o", "Vicuna-7b-v1.5"} <= set(known_annotators())


def test_annotator_names_are_matched_case_insensitively() -> None:
    assert PrepareConfig(annotator="llama-3.1-8b-instruct").annotator == "Llama-3.1-8B-Instruct"
    assert PrepareConfig(annotator="LLM_MEAN").annotator == "llm_mean"


@pytest.mark.parametrize(("fields", "where"), [
    ({"min_relevance_score": 1.5}, "prepare.min_relevance_score: Input should be less than or equal to 1"),
    ({"theme_threshold": -0.1}, "theme_threshold: Input should be greater than 0"),
    ({"max_posts": 0}, "max_posts: Input should be greater than or equal to 1"),
    ({"pro_ed_min_level": 4}, "pro_ed_min_level: Input should be less than or equal to 3"),
    ({"dialogs": {"chunk_overlap": 1.0}}, "dialogs.chunk_overlap: Input should be less than 1"),
    ({"dialogs": {"max_exchanges_per_chunk": 0}}, "dialogs.max_exchanges_per_chunk: Input should be greater"),
    ({"dialogs": {"window_exchanges": [0, 2]}}, "dialogs.window_exchanges: window sizes must be >= 1"),
    ({"dialogs": {"min_words": 50, "max_words": 10}}, "prepare.dialogs: min_words (50) must not exceed max_words (10)"),
    ({"dialogs": {"split": {"train": 0.9}}}, "dialogs.split: train + val + test must be 1 (got 1.1)"),
    ({"topic_weights": {"ed": 1.0, "dieting": 0.5}}, "topic_weights: unknown topic(s) dieting"),
    ({"topic_weights": {"ed": 2.0}}, "topic_weights: weights must be within 0..1 (check ed)"),
    ({"memory_limit": "lots"}, "prepare.memory_limit: String should match pattern"),
    ({"threads": 0}, "prepare.threads: Input should be greater than or equal to 1"),
    ({"annotators": "human"}, "prepare.annotators: unknown key (allowed: annotator, dialogs,"),
    ({"dialogs": {"split": {"seeds": 1}}},
     "prepare.dialogs.split.seeds: unknown key (allowed: seed, test, train, val)"),
])
def test_bad_values_name_the_field(fields: dict, where: str) -> None:
    line = error_line(**fields)
    assert "\n" not in line
    assert where in line, line


def test_windows_are_sorted_and_deduplicated() -> None:
    assert PrepareConfig(dialogs={"window_exchanges": [3, 2, 3]}).dialogs.window_exchanges == [2, 3]


def test_config_is_frozen_and_hashable_into_a_fingerprint() -> None:
    from interosight_core.prepare.stage import prepare_fingerprint

    cfg = PrepareConfig()
    with pytest.raises(ValidationError):
        cfg.annotator = "human"  # type: ignore[misc]
    assert prepare_fingerprint(cfg, "x") == prepare_fingerprint(PrepareConfig(), "x")
    assert prepare_fingerprint(cfg, "x") != prepare_fingerprint(PrepareConfig(annotator="human"), "x")
    assert prepare_fingerprint(cfg, "x") != prepare_fingerprint(cfg, "y")


def test_resource_settings_are_not_part_of_the_fingerprint() -> None:
    from interosight_core.prepare.stage import prepare_fingerprint

    tuned = PrepareConfig(memory_limit="512MB", threads=1)
    assert prepare_fingerprint(tuned, "x") == prepare_fingerprint(PrepareConfig(), "x")
