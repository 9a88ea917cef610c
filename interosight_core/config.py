"""Pipeline configuration: pydantic models loaded from YAML.

One model per stage plus `PipelineConfig`, the whole file. Every model
forbids unknown keys and every field has a description and a default that
serves the embedded (CPU, sample data) mode. `load_config` turns any
validation failure into a one-line `ConfigError` naming the file, the field
and what is allowed. Relative paths resolve against the current directory
(the repository root for `interosight run` and for deployments).
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from interosight_core.errors import ConfigError
from interosight_core.evaluate.config import EvaluationConfig
from interosight_core.prepare.config import PrepareConfig
from interosight_core.scale_out import ScaleOutConfig
from interosight_core.synth.config import SynthesisConfig
from interosight_core.train.config import TrainingConfig

DEFAULT_CONFIG = Path("deployments/demo.yaml")


class StrictModel(BaseModel):
    """Base for every config model: unknown keys are errors, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _SourceBase(StrictModel):
    name: str | None = Field(
        default=None,
        description="Unique name of this source in the warehouse (defaults to its kind). "
        "Rows are keyed by it: re-ingesting replaces only this source's rows.",
        pattern=r"^[A-Za-z0-9_.-]+$",
    )
    path: Path = Field(description="Path of the input file (or folder, where the kind allows it).")

    @property
    def source_name(self) -> str:
        """The name rows are stored under (`name`, or the kind when unset)."""
        return self.name or self.kind  # type: ignore[attr-defined]


class DataverseSource(_SourceBase):
    """The Dataverse ED-Reddit deposit (doi:10.18130/V3/NENELT), zipped or unzipped."""

    kind: Literal["dataverse"] = Field(description="Dataverse topic-annotation deposit.")
    path: Path = Field(
        description="`dataverse_files.zip`, or a folder holding `reddit_posts.csv(.zip)`, "
        "`key.csv(.zip)` and `topic_<annotator>.csv(.zip)` files."
    )
    annotators: list[str] | None = Field(
        default=None,
        description="Annotator files to load (e.g. ['ensemble', 'human']); null loads every "
        "`topic_<annotator>` file present.",
    )
    extra_subreddit_groups: dict[str, Literal["ed", "diet", "fitness", "control"]] = Field(
        default_factory=dict,
        description="Extra subreddit -> group entries on top of the built-in map "
        "(interosight_core/sources/subreddits.py).",
    )


class CounselChatSource(_SourceBase):
    """CounselChat CSV (therapist answers to user questions)."""

    kind: Literal["counselchat"] = Field(description="CounselChat CSV (nbertagnolli/counsel-chat).")


class AnnoMISource(_SourceBase):
    """AnnoMI CSV (expert-annotated MI transcripts), simple or full variant."""

    kind: Literal["annomi"] = Field(description="AnnoMI transcripts CSV.")
    variant: Literal["auto", "simple", "full"] = Field(
        default="auto",
        description="`full` has per-annotator rows and subtype columns; `auto` detects it "
        "from the `annotator_id` column.",
    )


class ContextResponseSource(_SourceBase):
    """A two-column CSV of user message -> counsellor response (seed project 001)."""

    kind: Literal["context_response"] = Field(description="Context/Response CSV.")
    context_column: str = Field(default="Context", description="Column holding the user message.")
    response_column: str = Field(default="Response", description="Column holding the response.")


class SessionsSource(_SourceBase):
    """Therapy-session JSON files (seed project 002): a folder of sessions or one file."""

    kind: Literal["sessions"] = Field(description="Therapy-session JSON (folder or file).")


class ToolCallsSource(_SourceBase):
    """Conversation JSONL with OpenAI-style tool calls (seed project 003)."""

    kind: Literal["tool_calls"] = Field(description="OpenAI-style `messages` JSONL with tool calls.")


SourceConfig = Annotated[
    Union[
        DataverseSource,
        CounselChatSource,
        AnnoMISource,
        ContextResponseSource,
        SessionsSource,
        ToolCallsSource,
    ],
    Field(discriminator="kind"),
]


class IngestConfig(StrictModel):
    """Ingest stage: which sources to load into the warehouse."""

    sources: list[SourceConfig] = Field(
        default_factory=list, description="Input sources; each is ingested by its own cached task."
    )
    max_reject_fraction: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="Fail a source when more than this share of its rows cannot be parsed; "
        "below it, bad rows go to the `rejects` table and the rest are ingested.",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> "IngestConfig":
        seen: set[str] = set()
        for source in self.sources:
            if source.source_name in seen:
                raise ValueError(
                    f"two sources are named {source.source_name!r}: give each a unique `name`"
                )
            seen.add(source.source_name)
        return self


class PipelineConfig(StrictModel):
    """The whole pipeline, as one YAML file (see deployments/demo.yaml)."""

    name: str = Field(default="demo", description="Name of this pipeline configuration.")
    work_dir: Path = Field(
        default=Path(".interosight"),
        description="Working directory: the DuckDB warehouse, cached task results and run folders.",
    )
    ingest: IngestConfig = Field(default_factory=IngestConfig, description="Ingest stage.")
    prepare: PrepareConfig = Field(default_factory=PrepareConfig, description="Prepare stage.")
    synthesis: SynthesisConfig = Field(default_factory=SynthesisConfig, description="Synthesis stage (MI responses, DPO pairs).")
    training: TrainingConfig = Field(default_factory=TrainingConfig, description="Training stage (SFT stages, DPO, merge).")
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig, description="Evaluation stage (MITI, safety and text metrics per model).")
    scale_out: ScaleOutConfig = Field(default_factory=ScaleOutConfig, description="Shard prepare and synthesis over a Dask or Ray cluster (default: local).")

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file of this work directory."""
        return self.work_dir / "warehouse.duckdb"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Return the config model class that owns the last element of a validation `loc`."""
    model: Any = PipelineConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
        else:
            # A discriminated-union tag (e.g. 'dataverse') selects the member.
            members = [m for m in _models_in(model) if m.model_fields.get("kind") is not None]
            chosen = [m for m in members if part in typing.get_args(m.model_fields["kind"].annotation)]
            model = chosen[0] if chosen else None
        models = _models_in(model)
        if len(models) == 1:
            model = models[0]
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Return the BaseModel classes inside an annotation (through list/Union/Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def format_validation_error(error: ValidationError, origin: str) -> str:
    """Render a pydantic error as one line: file, dotted field path, problem, allowed values."""
    parts = []
    for item in error.errors():
        loc = item["loc"]
        field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            owner = _model_at(loc)
            allowed = ", ".join(sorted(owner.model_fields)) if owner else "see `interosight config-schema`"
            message = f"unknown key (allowed: {allowed})"
        parts.append(f"{field or '<top level>'}: {message}")
    return f"{origin}: " + "; ".join(parts)


def parse_config(data: Any, origin: str = "<config>") -> PipelineConfig:
    """Validate a mapping as a `PipelineConfig`; raise a one-line `ConfigError` naming `origin`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of stage names to settings")
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(error, origin)) from None


def load_config(path: Path | str = DEFAULT_CONFIG, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """Load and validate a YAML config file; `overrides` are deep-merged on top."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found (pass --config PATH, e.g. {DEFAULT_CONFIG})")
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, expected a YAML config file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigError(f"{path}: not valid YAML ({first_line})") from None
    if overrides:
        data = _deep_merge(data or {}, overrides)
    return parse_config(data, origin=str(path))


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_json_schema() -> dict[str, Any]:
    """Return the JSON schema of `PipelineConfig` (what `interosight config-schema` prints)."""
    return PipelineConfig.model_json_schema()
