"""The chain's speed shortcuts give exactly what the library calls they replace give."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from pipeline.chain import Chain, serialise
from pipeline.privacy import Pseudonymiser
from pipeline.tagging import Tagger
from pipeline.tagging.trusted import construct
from schemas import Interaction, Location, Tags

DEV = Path(__file__).resolve().parents[2] / "data" / "labelled" / "dev.jsonl"


def _state(model: Interaction | Tags) -> tuple[object, ...]:
    """Everything pydantic keeps on an instance, with the order of ``__dict__``."""
    return (
        list(model.__dict__.items()),
        model.model_fields_set,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


def test_construct_equals_model_construct_on_chain_output(tagger: Tagger) -> None:
    """For every dev text the shortcut builds the same Interaction and Tags as model_construct."""
    chain = Chain(tagger, Pseudonymiser(b"k" * 32), max_event_bytes=1 << 20)
    for n, line in enumerate(DEV.read_bytes().splitlines()):
        row = orjson.loads(line)
        raw = {k: row[k] for k in ("channel", "source", "text", "subject")}
        raw |= {"id": f"t-{n}", "occurred_at": "2026-01-01T00:00:00+01:00", "party": "0612345678"}
        fast = chain.process_bytes(orjson.dumps(raw), datetime(2026, 1, 1, tzinfo=UTC))
        values = {name: getattr(fast, name) for name in Interaction.model_fields}
        slow = Interaction.model_construct(**values)
        tags = Tags.model_construct(
            **{name: getattr(fast.tags, name) for name in Tags.model_fields}
        )
        assert _state(fast) == _state(slow)
        assert _state(fast.tags) == _state(tags)
        assert serialise(fast) == orjson.dumps(slow.model_dump(mode="json"))


def test_construct_falls_back_when_a_field_is_missing() -> None:
    """Without every field the shortcut is not taken, so defaults are filled as before."""
    built = construct(Location, {"postcode4": "3581"})
    assert built.model_fields_set == {"postcode4"}
    assert built.wijk_code is None
    assert _state(built) == _state(Location.model_construct(postcode4="3581"))
