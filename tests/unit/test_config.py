"""Config loading: the demo config validates; every bad config is one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from interosight_core.config import PipelineConfig, config_json_schema, load_config
from interosight_core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def test_demo_config_is_valid_and_names_every_source_kind():
    cfg = load_config(ROOT / "deployments" / "demo.yaml")
    assert {s.kind for s in cfg.ingest.sources} == {
        "dataverse", "counselchat", "annomi", "context_response", "sessions", "tool_calls"}
    assert all((ROOT / s.path).exists() for s in cfg.ingest.sources)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ingest:\n  sources:\n    - kind: dataverse\n      path: x.zip\n      annotator: [human]\n",
         "ingest.sources[0].dataverse.annotator: unknown key (allowed: annotators, extra_subreddit_groups, kind, name, path)"),
        ("workdir: x\n", "workdir: unknown key (allowed: evaluation, ingest, name, prepare, scale_out, synthesis, training, work_dir)"),
        ("scale_out:\n  task_runner: spark\n", "scale_out.task_runner: Input should be 'local', 'dask' or 'ray'"),
        ("scale_out:\n  stages: [train]\n", "scale_out.stages[0]: Input should be 'prepare' or 'synthesize'"),
        ("ingest:\n  max_reject_fraction: 2\n", "ingest.max_reject_fraction: Input should be less than or equal to 1"),
        ("ingest:\n  sources:\n    - kind: reddit\n      path: x\n", "does not match any of the expected tags: 'dataverse'"),
        ("ingest:\n  sources:\n    - {kind: counselchat, path: a.csv}\n    - {kind: counselchat, path: b.csv}\n",
         "two sources are named 'counselchat'"),
        ("ingest: [1, 2\n", "not valid YAML"),
        ("- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_bad_config_is_one_line_with_file_and_field(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_config_and_directory(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_every_schema_field_has_a_description():
    schema = config_json_schema()
    undocumented = []
    for name, definition in {"PipelineConfig": schema, **schema.get("$defs", {})}.items():
        for field, spec in definition.get("properties", {}).items():
            if "description" not in spec:
                undocumented.append(f"{name}.{field}")
    assert undocumented == []


def test_defaults_serve_the_embedded_mode():
    cfg = PipelineConfig()
    assert cfg.warehouse_path == Path(".interosight/warehouse.duckdb")
