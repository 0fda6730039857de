"""Labelled interactions (``data/labelled/*.jsonl``): one JSON object per line with gold labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import SamenspelError
from schemas import Channel, CitizenRole, MunicipalityRole, Perspective

GOLD_KEYS = ("perspective", "citizen_role", "municipality_role")


class LabelledRow(BaseModel):
    """One labelled interaction; unknown label ids are refused."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    channel: Channel
    source: str = ""
    text: str
    subject: str | None = None
    perspective: Perspective
    citizen_role: CitizenRole
    municipality_role: MunicipalityRole

    def gold(self, dimension: str) -> str:
        """The gold label id of one dimension."""
        value: str = getattr(self, dimension).value
        return value


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Objects of a JSON-lines file; a bad line is one error naming the file and line."""
    return [obj for _, obj in numbered_jsonl(path)]


def numbered_jsonl(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Objects of a JSON-lines file with their line numbers (blank lines are skipped)."""
    file = Path(path)
    try:
        lines = file.read_bytes().splitlines()
    except OSError as exc:
        raise SamenspelError(f"labelled file {file}: cannot read ({exc.strerror})") from None
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise SamenspelError(
                f"labelled file {file} line {number}: invalid JSON ({exc})"
            ) from None
        if not isinstance(value, dict):
            raise SamenspelError(f"labelled file {file} line {number}: expected a JSON object")
        rows.append((number, value))
    return rows


def load_labelled(path: str | Path) -> list[LabelledRow]:
    """Validated labelled rows of a JSON-lines file."""
    rows: list[LabelledRow] = []
    for number, obj in enumerate(read_jsonl(path), start=1):
        try:
            rows.append(LabelledRow.model_validate(obj))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise SamenspelError(
                f"labelled file {path} row {number}: field '{field}': {err['msg']}"
            ) from None
    return rows
