"""Schema evolution: the comparison on hand-made pairs, and the gate on the real feed schema."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from schemas import SCHEMA_VERSION
from schemas.export import json_schema
from tests.contract.schema_evolution import Change, diff_schemas, version_problems

PUBLISHED = Path(__file__).resolve().parents[2] / "schemas" / "published"

BASE: dict[str, Any] = {
    "$defs": {
        "Channel": {"enum": ["phone", "web"], "type": "string"},
        "Tags": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"confidence": {"type": "number", "minimum": 0, "maximum": 1}},
            "required": ["confidence"],
        },
    },
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 36, "maxLength": 36},
        "channel": {"$ref": "#/$defs/Channel"},
        "subject": {
            "anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}],
            "default": None,
        },
        "code": {"type": "string", "pattern": "^GM\\d{4}$"},
        "reasons": {"type": "array", "items": {"type": "string", "maxLength": 300}},
        "tags": {"$ref": "#/$defs/Tags"},
    },
    "required": ["id", "channel", "tags"],
}


def _changed(edit: Any) -> list[Change]:
    new = copy.deepcopy(BASE)
    edit(new)
    return diff_schemas(BASE, new)


def _only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


def test_identical_schemas_have_no_changes() -> None:
    """A schema compared with a copy of itself reports nothing."""
    assert diff_schemas(BASE, copy.deepcopy(BASE)) == []


def test_documentation_changes_are_ignored() -> None:
    """Titles, descriptions and defaults do not change what is valid."""

    def edit(s: dict[str, Any]) -> None:
        s["description"] = "new words"
        s["properties"]["id"]["title"] = "Identifier"
        s["properties"]["subject"]["default"] = "x"

    assert _changed(edit) == []


def test_removed_property_is_breaking() -> None:
    """Dropping a property breaks every message that carries it."""
    change = _only(_changed(lambda s: s["properties"].pop("code")))
    assert (change.path, change.breaking) == ("code", True)
    assert "removed" in change.what


def test_changed_type_is_breaking() -> None:
    """A string that becomes an integer no longer accepts old messages."""
    changes = _changed(lambda s: s["properties"]["id"].update(type="integer"))
    assert [c for c in changes if c.breaking and "type string" in c.what and c.path == "id"]


def test_newly_required_property_is_breaking() -> None:
    """Requiring a property that used to be optional breaks messages without it."""
    change = _only(_changed(lambda s: s["required"].append("subject")))
    assert (change.path, change.breaking, change.what) == (
        "subject",
        True,
        "property newly required",
    )


def test_new_required_property_is_breaking() -> None:
    """A new property that is required at once breaks every old message."""

    def edit(s: dict[str, Any]) -> None:
        s["properties"]["area"] = {"type": "string"}
        s["required"].append("area")

    assert _only(_changed(edit)).breaking


def test_removed_enum_value_in_a_def_is_breaking() -> None:
    """Removing an enum value is found through a ``$ref`` into ``$defs``."""
    change = _only(_changed(lambda s: s["$defs"]["Channel"]["enum"].remove("web")))
    assert (change.path, change.breaking) == ("channel", True)
    assert "'web'" in change.what


def test_shrunk_max_length_is_breaking_and_grown_is_additive() -> None:
    """A smaller maxLength breaks long messages; a larger one only widens."""
    shrunk = _only(_changed(lambda s: s["properties"]["subject"]["anyOf"][0].update(maxLength=100)))
    grown = _only(_changed(lambda s: s["properties"]["subject"]["anyOf"][0].update(maxLength=900)))
    assert (shrunk.path, shrunk.breaking) == ("subject", True)
    assert (grown.path, grown.breaking) == ("subject", False)


def test_limit_in_array_items_is_compared() -> None:
    """Limits inside array items count like limits at the top."""
    change = _only(_changed(lambda s: s["properties"]["reasons"]["items"].update(maxLength=10)))
    assert (change.path, change.breaking) == ("reasons[]", True)


def test_changed_pattern_is_breaking() -> None:
    """Any other pattern may reject old values."""
    change = _only(_changed(lambda s: s["properties"]["code"].update(pattern="^GM\\d{5}$")))
    assert (change.path, change.breaking) == ("code", True)


def test_raised_minimum_in_nested_object_is_breaking() -> None:
    """A tighter numeric bound inside a nested model is breaking, at the nested path."""
    change = _only(
        _changed(lambda s: s["$defs"]["Tags"]["properties"]["confidence"].update(minimum=0.5))
    )
    assert (change.path, change.breaking) == ("tags.confidence", True)


def test_new_optional_property_is_additive() -> None:
    """A new optional property keeps old messages valid."""
    change = _only(_changed(lambda s: s["properties"].update(area={"type": "string"})))
    assert (change.path, change.breaking, change.what) == ("area", False, "optional property added")


def test_new_enum_value_is_additive() -> None:
    """A new channel keeps old messages valid."""
    change = _only(_changed(lambda s: s["$defs"]["Channel"]["enum"].append("email")))
    assert (change.breaking, change.what) == (False, "enum value 'email' added")


def test_nullable_field_made_non_null_is_breaking() -> None:
    """Dropping the ``null`` branch of an optional field rejects old nulls."""
    change = _only(
        _changed(lambda s: s["properties"].update(subject={"type": "string", "maxLength": 500}))
    )
    assert (change.path, change.breaking, change.what) == (
        "subject",
        True,
        "type null no longer accepted",
    )


def test_closing_an_open_object_is_breaking() -> None:
    """Forbidding unknown properties where they were allowed breaks senders of extras."""
    old = {"type": "object", "properties": {}}
    new = {"type": "object", "properties": {}, "additionalProperties": False}
    assert _only(diff_schemas(old, new)).breaking
    assert not _only(diff_schemas(new, old)).breaking


@pytest.mark.parametrize(
    ("breaking", "old", "new", "problem"),
    [
        (True, "1.0.0", "1.1.0", "new major version"),
        (True, "1.0.0", "2.0.0", None),
        (False, "1.0.0", "1.0.1", "new minor version"),
        (False, "1.0.0", "1.1.0", None),
        (False, "1.2.0", "2.0.0", None),
        (False, "1.2.0", "1.1.9", "went back"),
    ],
)
def test_version_bump_rules(breaking: bool, old: str, new: str, problem: str | None) -> None:
    """Breaking needs a major bump, additive at least a minor bump, and versions never go back."""
    problems = version_problems([Change("x", breaking, "something")], old, new)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


def test_no_changes_need_no_bump() -> None:
    """An unchanged schema may keep its version."""
    assert version_problems([], "1.4.2", "1.4.2") == []


def test_bad_version_string_is_rejected() -> None:
    """A version that is not MAJOR.MINOR.PATCH is an error naming the value."""
    with pytest.raises(ValueError, match=re.escape("'1.0'")):
        version_problems([], "1.0", "1.0.0")


def _published() -> list[tuple[tuple[int, ...], Path]]:
    found = []
    for path in PUBLISHED.glob("interaction-*.json"):
        match = re.fullmatch(r"interaction-(\d+)\.(\d+)\.(\d+)\.json", path.name)
        assert match, f"{path.name}: published files are named interaction-MAJOR.MINOR.PATCH.json"
        found.append((tuple(int(part) for part in match.groups()), path))
    return sorted(found)


def test_current_interaction_schema_is_a_valid_evolution_of_the_newest_published() -> None:
    """The feed schema changes only with the version bump its changes require."""
    published = _published()
    assert published, f"no published interaction schema in {PUBLISHED}"
    version, path = published[-1]
    newest = ".".join(map(str, version))
    old = json.loads(path.read_text(encoding="utf-8"))
    changes = diff_schemas(old, json_schema("interaction"))
    problems = version_problems(changes, newest, SCHEMA_VERSION)
    assert not problems, "\n".join(problems)
