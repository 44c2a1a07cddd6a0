"""The benchmark config (configs/*.yaml): schema, validation, path resolution.

Every validation error becomes one line naming the file and the key path
(``testsets.1.langs``), so a user can fix a config without reading a traceback.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError
from .langs import parse_pair
from .execution import ExecutorSpec
from .values import FLAG, POSITIVE, SEED, Number, Text

FORMATS = ("text", "wmt-xml", "tsv", "jsonl", "hf", "sacrebleu")

# Booleans and numbers parse as metric options and -o do (eval.values); pydantic's
# own lax parsing would also take "off", "on", "t", "y" and 4.0 where metrics refuse them.
Flag = Annotated[bool, BeforeValidator(FLAG.parse)]
PositiveInt = Annotated[int, BeforeValidator(POSITIVE.parse)]
Seed = Annotated[int, BeforeValidator(SEED.parse)]
NonEmptyText = Annotated[str, BeforeValidator(Text().parse)]
GpuShare = Annotated[float, BeforeValidator(Number(minimum=0).parse)]


def _off_or_path(value: Any) -> Any:
    """``cache: off`` unquoted is YAML's false: it means the setting ``"off"``."""
    return "off" if value is False else value


OffOrPath = Annotated[Optional[str], BeforeValidator(_off_or_path)]


def _column_name(value: Any) -> Any:
    """Without a header, columns are named 0, 1, ...: ``source: 0`` means column ``"0"``."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ColumnName = Annotated[str, BeforeValidator(_column_name)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricSpec(BaseModel):
    """``bleu`` or ``{name: bleu, tokenize: intl}``: the name plus its options."""

    model_config = ConfigDict(extra="allow")
    name: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


MetricEntry = Union[str, MetricSpec]


class ColumnSpec(Strict):
    source: ColumnName
    references: dict[str, ColumnName]
    systems: dict[str, ColumnName] = Field(default_factory=dict)
    doc_id: Optional[ColumnName] = None
    domain: Optional[ColumnName] = None


class HumanSpec(Strict):
    """Human judgments of a test set's systems (``human: {path: ..., format: mqm}``)."""

    path: str
    format: Literal["da", "da-sys", "mqm", "mqm-raw", "esa", "mtme", "tsv", "jsonl"]
    score: Literal["z", "raw"] = "z"
    label: Optional[str] = None
    rename: dict[str, str] = Field(default_factory=dict)
    include_human: Flag = False
    outliers: list[str] = Field(default_factory=list)


class MetaSpec(Strict):
    """How agreement with human judgments is computed for test sets with ``human``."""

    significance: Flag = True
    k: PositiveInt = 1000
    seed: Seed = 0


class TestSetSpec(Strict):
    __test__ = False

    name: str
    langs: str
    format: Literal["text", "wmt-xml", "tsv", "jsonl", "hf", "sacrebleu"] = "text"
    path: Optional[str] = None
    source: Optional[str] = None
    references: Union[dict[str, str], list[str], str, None] = None
    systems: Union[dict[str, str], str, None] = None
    doc_ids: Optional[str] = None
    columns: Optional[ColumnSpec] = None
    header: Flag = True
    split: str = "test"
    subset: Optional[str] = None
    metrics: Optional[list[MetricEntry]] = None
    src_format: Literal["segments", "document"] = "segments"
    hyp_format: Literal["segments", "document"] = "segments"
    ref_format: Literal["segments", "document"] = "segments"
    repair: Optional[Flag] = None
    # None: the offline default model when the models extra is installed, else model-free
    align_model: Optional[str] = None
    human: Optional[list[HumanSpec]] = None

    @field_validator("human", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        """``human: {path, format}`` is the one-file form of a list."""
        return [value] if isinstance(value, dict) else value

    @property
    def human_specs(self) -> list[HumanSpec]:
        """The ``human`` entries (one or more files of judgments)."""
        return list(self.human or [])

    @property
    def repairs_on(self) -> bool:
        """Repair system outputs: by default only those that arrive as documents
        (line-aligned outputs stay as given, so scores match sacreBLEU's)."""
        return self.hyp_format == "document" if self.repair is None else self.repair

    @property
    def document_repairs_on(self) -> bool:
        """Sources and references given as documents are repaired unless ``repair: false``."""
        return self.repair is not False

    @field_validator("langs")
    @classmethod
    def _pair(cls, value: str) -> str:
        try:
            parse_pair(value, "langs")
        except UserError as exc:
            raise ValueError(str(exc).removeprefix("langs: ")) from None
        return value

    @model_validator(mode="after")
    def _fields_for_format(self) -> "TestSetSpec":
        needs = {
            "text": ("source", "references"),
            "wmt-xml": ("path",),
            "tsv": ("path", "columns"),
            "jsonl": ("path", "columns"),
            "hf": ("path", "columns"),
            "sacrebleu": ("path",),
        }[self.format]
        for key in needs:
            if getattr(self, key) is None:
                raise ValueError(f"format {self.format!r} needs key {key!r}")
        if self.hyp_format == "document" and self.systems is None:
            raise ValueError("hyp_format 'document' needs key 'systems' (document files or folders)")
        if self.ref_format == "document" and self.format != "text":
            raise ValueError(f"ref_format 'document' needs format 'text' (format {self.format!r} "
                             "has segment-aligned references)")
        if self.src_format == "document":
            if self.ref_format != "document":
                raise ValueError("src_format 'document' needs ref_format 'document' (the source's "
                                 "sentences are found by splitting, so references cannot be line-aligned)")
            if self.systems is not None and self.hyp_format != "document":
                raise ValueError("src_format 'document' needs hyp_format 'document' for its systems")
            if self.doc_ids is not None:
                raise ValueError("src_format 'document' takes document ids from the file names "
                                 "of a source folder, not from 'doc_ids'")
        return self

    def reference_map(self) -> dict[str, str]:
        """References by name; a list is named A, B, C... as WMT names them."""
        refs = self.references
        if refs is None:
            return {}
        if isinstance(refs, str):
            refs = [refs]
        if isinstance(refs, list):
            return {chr(ord("A") + i): r for i, r in enumerate(refs)}
        return dict(refs)


class SignificanceSpec(Strict):
    test: Literal["bs", "ar", "none"] = "bs"
    baseline: Optional[str] = None
    n: Optional[PositiveInt] = None
    confidence: Flag = True
    seed: Optional[Seed] = None


class ExecutorConfig(Strict):
    """``executor: {kind: ray, address: HOST:PORT, gpus_per_worker: 0.5}``."""

    kind: Literal["local", "ray"] = "local"
    address: Optional[NonEmptyText] = None
    gpus_per_worker: GpuShare = 0.0

    @model_validator(mode="after")
    def _ray_only(self) -> "ExecutorConfig":
        if self.kind == "local" and (self.address is not None or self.gpus_per_worker):
            raise ValueError("'address' and 'gpus_per_worker' need kind 'ray'")
        return self

    def spec(self) -> ExecutorSpec:
        return ExecutorSpec(self.kind, self.address, self.gpus_per_worker)


class RunConfig(Strict):
    name: str
    output: Optional[str] = None
    metrics: list[MetricEntry] = Field(default_factory=lambda: ["bleu", "chrf", "ter"])
    engine: Literal["auto", "fast", "sacrebleu"] = "auto"
    cache: OffOrPath = None
    history: OffOrPath = None
    jobs: Optional[PositiveInt] = None
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    significance: Optional[SignificanceSpec] = None
    meta: Optional[MetaSpec] = None
    testsets: list[TestSetSpec]

    @model_validator(mode="after")
    def _unique_testsets(self) -> "RunConfig":
        seen: set[str] = set()
        for i, spec in enumerate(self.testsets):
            if spec.name in seen:
                raise ValueError(f"testsets.{i}.name: duplicate test set name {spec.name!r}")
            seen.add(spec.name)
        if not self.testsets:
            raise ValueError("at least one test set is needed")
        return self

    @model_validator(mode="after")
    def _typed_metric_options(self) -> "RunConfig":
        """Every metric known and its options typed, errors naming the key path."""
        self.metrics = typed_metric_entries(self.metrics, "metrics")
        for i, spec in enumerate(self.testsets):
            if spec.metrics is not None:
                spec.metrics = typed_metric_entries(spec.metrics, f"testsets.{i}.metrics")
        return self


def typed_metric_entries(entries: list, where: str) -> list:
    """Names checked and options typed (``lowercase: "yes"`` -> True);
    ValueError naming ``where``, the entry's index and the option."""
    from .metrics.options import OptionError, metric_class, parse_metric_options

    if not entries:
        raise ValueError(f"{where}: at least one metric is needed")
    typed: list = []
    for j, entry in enumerate(entries):
        try:
            if isinstance(entry, str):
                metric_class(entry)
            else:
                entry = MetricSpec(name=entry.name, **parse_metric_options(entry.name, entry.options))
        except OptionError as exc:
            raise ValueError(f"{where}.{j}{'' if exc.key is None else '.' + exc.key}: {exc.reason}") from None
        typed.append(entry)
    return typed


def metric_specs(entries: list) -> list[MetricSpec]:
    """Metric entries (names, dicts or specs) as MetricSpecs."""
    specs = []
    for entry in entries:
        if isinstance(entry, str):
            entry = MetricSpec(name=entry)
        elif isinstance(entry, dict):
            entry = MetricSpec.model_validate(entry)
        specs.append(entry)
    return specs


def _format_error(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-after", "str", "dict", "list")))
    msg = first["msg"].removeprefix("Value error, ")
    more = err.error_count() - 1
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{path}: {loc + ': ' if loc else ''}{msg}{suffix}"


def load_config(path: str | Path) -> tuple[RunConfig, Path]:
    """The validated config and the folder its relative paths resolve against."""
    from .corpora.files import read_text

    from .safe_yaml import load_yaml

    path = Path(path)
    text = read_text(path, max_line_bytes=None)  # JSON on one line is a valid config
    try:
        raw = load_yaml(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise UserError(f"{path}{line}: invalid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping of keys (name, metrics, testsets, ...)")
    try:
        config = RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise UserError(_format_error(path, exc)) from None
    base = path.resolve().parent
    check_system_globs(config, base, path)
    return config, base


def check_system_globs(config: RunConfig, base: Path, path: Path) -> None:
    """A ``systems`` glob that matches nothing is the config's error, found before
    any test set runs and named by file and key path."""
    from .corpora import system_files

    for i, spec in enumerate(config.testsets):
        if isinstance(spec.systems, str) and spec.hyp_format != "document":
            try:
                system_files(base, spec.systems)
            except UserError as exc:
                raise UserError(f"{path}: testsets.{i}.systems: {str(exc).removeprefix('systems: ')}") from None
