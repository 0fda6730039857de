"""docs/feed-contract.md stays in step with the models, the labels, the limits and the headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from pipeline.cloudevents import feed_headers
from schemas import Channel, Interaction, Location, Tags, interaction_id, limits
from schemas.taxonomy import CitizenRole, MunicipalityRole, Perspective

DOC = Path(__file__).resolve().parents[2] / "docs" / "feed-contract.md"
TEXT = DOC.read_text(encoding="utf-8")


def _table_rows() -> dict[str, list[str]]:
    """First-column code value of every Markdown table row -> the remaining cells."""
    rows: dict[str, list[str]] = {}
    for line in TEXT.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"`[^`]+`", cells[0]):
            rows.setdefault(cells[0].strip("`"), cells[1:])
    return rows


@pytest.mark.parametrize("model", [Interaction, Tags, Location], ids=lambda m: m.__name__)
def test_every_field_has_a_table_row(model: type[BaseModel]) -> None:
    """Each field of the interaction and its parts is documented in a table."""
    missing = sorted(set(model.model_fields) - set(_table_rows()))
    assert not missing, f"{DOC.name} lacks rows for {model.__name__} fields {missing}"


@pytest.mark.parametrize("label", [Perspective, CitizenRole, MunicipalityRole])
def test_every_label_has_its_english_description(label: type[Perspective]) -> None:
    """Each wire id is listed with the English description from the enum."""
    rows = _table_rows()
    for member in label:
        assert rows.get(member.value, [""])[0] == member.description_en, member.value


def test_every_channel_is_listed() -> None:
    """The channel list names every Channel value."""
    line = next(line for line in TEXT.splitlines() if line.startswith("Channels (`channel`)"))
    assert re.findall(r"`([a-z]+)`", line.split(":", 1)[1]) == [c.value for c in Channel]


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("source", limits.MAX_SOURCE),
        ("subject", limits.MAX_SUBJECT),
        ("content", limits.MAX_TEXT),
        ("language", limits.MAX_LANGUAGE),
        ("reasons", limits.MAX_REASONS),
    ],
)
def test_documented_limits_are_the_model_limits(field: str, limit: int) -> None:
    """The limits column states the numbers of schemas/limits.py."""
    cell = _table_rows()[field][1]
    assert f"{limit:,}" in cell or str(limit) in cell, f"{field}: {cell!r} does not say {limit}"


def test_every_cloudevents_header_is_documented() -> None:
    """Each header that pipeline.cloudevents sets has a row."""
    interaction = Interaction(
        id=interaction_id("s", "1"),
        channel=Channel.WEB,
        source="s",
        occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
        received_at=datetime(2024, 1, 1, tzinfo=UTC),
        content="",
        tags=Tags(
            perspective=Perspective.BUURTEN,
            citizen_role=CitizenRole.DEELNEMER,
            municipality_role=MunicipalityRole.REGISSEREN,
            confidence=0.5,
            needs_review=True,
            tagger_version="t",
        ),
    )
    rows = _table_rows()
    for name, _ in feed_headers(interaction, oin="0" * 20):
        assert name in rows, f"header {name} is not documented"
