"""The rules file: lexicons, phrases, channel priors and weights as data, validated on load.

An operations team edits this file, not code. Every mistake is reported as one line that names the
file, the rule and the problem, because the CLI prints SamenspelError as one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import SamenspelError
from pipeline.tagging.labels import DIMENSIONS, LABELS
from schemas import Channel

DEFAULT_RULES_PATH = Path(__file__).parent / "rules" / "default.yaml"

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class Rule(BaseModel):
    """One named group of words and phrases that points to one label."""

    model_config = _STRICT

    label: str
    weight: float = Field(default=1.0, gt=0.0, le=10.0)
    words: list[str] = Field(default_factory=list, description="Dutch words; compounds match.")
    english: list[str] = Field(default_factory=list, description="English words.")
    phrases: list[str] = Field(default_factory=list, description="Multi-word phrases, in order.")


class DimensionWeights(BaseModel):
    """One number per label dimension."""

    model_config = _STRICT

    perspective: float = Field(ge=0.0, le=100.0)
    citizen_role: float = Field(ge=0.0, le=100.0)
    municipality_role: float = Field(ge=0.0, le=100.0)

    def get(self, dimension: str) -> float:
        """The weight of one dimension by name."""
        value: float = getattr(self, dimension)
        return value


class Weights(BaseModel):
    """How rule scores, model scores, channel priors and coherence are mixed before the softmax."""

    model_config = _STRICT

    rules: DimensionWeights
    model: DimensionWeights
    channel_prior: float = Field(default=1.0, ge=0.0, le=10.0)
    coherence: float = Field(default=1.0, ge=0.0, le=10.0)
    joint: float = Field(
        default=0.0, ge=0.0, le=10.0, description="Weight of the model's learned label pairs."
    )
    phrase: float = Field(default=1.5, gt=0.0, le=10.0, description="Multiplier for phrase hits.")
    compound: float = Field(default=0.7, gt=0.0, le=10.0, description="Multiplier for word parts.")
    temperature: DimensionWeights


class Matching(BaseModel):
    """Compound-matching limits: short stems inside longer words give false hits."""

    model_config = _STRICT

    min_infix_stem: int = Field(default=4, ge=3, le=20)
    min_compound_rest: int = Field(default=4, ge=1, le=20)
    compound_exceptions: list[str] = Field(default_factory=list)


class RulesFile(BaseModel):
    """The whole rules file."""

    model_config = _STRICT

    version: str = Field(pattern=r"^[0-9A-Za-z.\-]{1,24}$")
    weights: Weights
    matching: Matching = Field(default_factory=Matching)
    channel_priors: dict[str, dict[str, dict[str, float]]]
    coherence: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    perspective: dict[str, Rule]
    citizen_role: dict[str, Rule]
    municipality_role: dict[str, Rule]

    def rules(self, dimension: str) -> dict[str, Rule]:
        """The rules of one dimension by name."""
        value: dict[str, Rule] = getattr(self, dimension)
        return value


def _where(loc: tuple[int | str, ...]) -> str:
    """Readable location of a validation error: "perspective rule 'crisis', field 'weight'"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in DIMENSIONS and len(parts) >= 2:
        head = f"{parts[0]} rule '{parts[1]}'"
        rest = parts[2:]
    else:
        head = ".".join(parts[:2]) if parts else "top level"
        rest = parts[2:]
    if rest:
        head += f", field '{'.'.join(rest)}'"
    return head


def _validation_message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    if err["type"] == "missing":
        return f"{_where(loc[:-1]) if len(loc) > 1 else 'top level'}: missing key '{loc[-1]}'"
    if err["type"] == "extra_forbidden":
        return f"{_where(loc[:-1]) if len(loc) > 1 else 'top level'}: unknown key '{loc[-1]}'"
    return f"{_where(loc)}: {err['msg']}"


def _check_labels(rules: RulesFile) -> str | None:
    """Cross-field checks pydantic cannot express: label ids, channels, dimension names."""
    for dimension in DIMENSIONS:
        known = LABELS[dimension]
        for name, rule in rules.rules(dimension).items():
            if rule.label not in known:
                return f"{dimension} rule '{name}' names unknown label '{rule.label}'"
            if not (rule.words or rule.english or rule.phrases):
                return f"{dimension} rule '{name}' has no words, english or phrases"
    channels = {c.value for c in Channel}
    for channel, per_dim in rules.channel_priors.items():
        if channel not in channels:
            return (
                f"channel prior '{channel}' is not a channel (known: {', '.join(sorted(channels))})"
            )
        for dimension, priors in per_dim.items():
            if dimension not in DIMENSIONS:
                return f"channel prior '{channel}' names unknown dimension '{dimension}'"
            for label in priors:
                if label not in LABELS[dimension]:
                    return f"channel prior '{channel}' names unknown {dimension} label '{label}'"
    for dimension, table in rules.coherence.items():
        if dimension not in ("citizen_role", "municipality_role"):
            return f"coherence names unknown dimension '{dimension}'"
        for perspective, priors in table.items():
            if perspective not in LABELS["perspective"]:
                return f"coherence {dimension} names unknown perspective '{perspective}'"
            for label in priors:
                if label not in LABELS[dimension]:
                    return f"coherence {dimension} '{perspective}' names unknown label '{label}'"
    return None


def parse_rules(data: Any, source: str) -> RulesFile:
    """Validate already-parsed YAML data; ``source`` names the file in errors."""
    if not isinstance(data, dict):
        raise SamenspelError(f"rules file {source}: expected a mapping at the top level")
    try:
        rules = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise SamenspelError(f"rules file {source}: {_validation_message(exc)}") from None
    problem = _check_labels(rules)
    if problem:
        raise SamenspelError(f"rules file {source}: {problem}")
    return rules


def load_rules(path: str | Path | None = None) -> tuple[RulesFile, bytes]:
    """Read and validate a rules file (None: the packaged default); returns rules and raw bytes."""
    file = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise SamenspelError(f"rules file {file}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise SamenspelError(f"rules file {file}: YAML syntax error at {where}{problem}") from None
    return parse_rules(data, file.name), raw
