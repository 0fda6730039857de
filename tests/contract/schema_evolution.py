"""Compare two JSON Schemas of one message type and judge the version bump between them.

The rule is "every message valid under the old schema stays valid under the new one": a change
that can break that is *breaking* (removed property, changed type, newly required property, removed
enum value, shrunk maximum, changed pattern, ...) and needs a new major version; any other change
to what is accepted is *additive* (new optional property, new enum value, looser limit) and needs at
least a new minor version. Titles, descriptions, defaults and examples are documentation only.

Pure functions on plain dicts, for schemas as pydantic exports them (local ``$defs`` references,
``anyOf`` for optional fields).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]

# (keyword, True when a larger value accepts more) for numeric limits.
_LIMITS: tuple[tuple[str, bool], ...] = (
    ("maxLength", True),
    ("minLength", False),
    ("maxItems", True),
    ("minItems", False),
    ("maximum", True),
    ("exclusiveMaximum", True),
    ("minimum", False),
    ("exclusiveMinimum", False),
)
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True, order=True)
class Change:
    """One difference between two schemas, at a JSON path such as ``tags.reasons[]``."""

    path: str
    breaking: bool
    what: str

    def __str__(self) -> str:
        kind = "breaking" if self.breaking else "additive"
        return f"{self.path or '(root)'}: {self.what} ({kind})"


def diff_schemas(old: Schema, new: Schema) -> list[Change]:
    """Every breaking or additive change from ``old`` to ``new``, sorted by path."""
    changes: list[Change] = []
    _compare(_Doc(old), old, _Doc(new), new, "", changes)
    return sorted(set(changes))


def version_problems(changes: list[Change], old_version: str, new_version: str) -> list[str]:
    """Why ``new_version`` is too small a step from ``old_version``; empty when it is enough."""
    old, new = _parse_version(old_version), _parse_version(new_version)
    if new < old:
        return [f"version went back from {old_version} to {new_version}"]
    breaking = [str(c) for c in changes if c.breaking]
    additive = [str(c) for c in changes if not c.breaking]
    if breaking and new[0] == old[0]:
        return [
            f"breaking change(s) need a new major version (now {new_version}, published "
            f"{old_version}) and a new topic: " + "; ".join(breaking)
        ]
    if additive and not breaking and new[:2] == old[:2]:
        return [
            f"additive change(s) need at least a new minor version (now {new_version}, published "
            f"{old_version}): " + "; ".join(additive)
        ]
    return []


def _parse_version(version: str) -> tuple[int, int, int]:
    match = _VERSION.match(version)
    if match is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


class _Doc:
    """A schema document, for resolving its local ``#/...`` references."""

    def __init__(self, root: Schema) -> None:
        self.root = root

    def resolve(self, schema: Schema) -> Schema:
        seen: set[str] = set()
        while "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise ValueError(f"unsupported or cyclic $ref {ref!r}")
            seen.add(ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest}
        return schema


def _variants(doc: _Doc, schema: Schema) -> dict[str, Schema]:
    """The schema split by JSON type: ``anyOf``/``oneOf`` branches and type lists become entries."""
    schema = doc.resolve(schema)
    for part in schema.get("allOf", ()):
        schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **doc.resolve(part)}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        shared = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        result: dict[str, Schema] = {}
        for branch in branches:
            for kind, sub in _variants(doc, {**shared, **doc.resolve(branch)}).items():
                result[kind] = sub
        return result
    types = schema.get("type")
    if types is None and "enum" in schema:
        types = sorted({_json_type(value) for value in schema["enum"]})
    if types is None and "const" in schema:
        types = _json_type(schema["const"])
    if types is None:
        return {"any": schema}
    if isinstance(types, str):
        types = [types]
    return {kind: {**schema, "type": kind} for kind in types}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _compare(
    old_doc: _Doc, old: Schema, new_doc: _Doc, new: Schema, path: str, out: list[Change]
) -> None:
    old_variants, new_variants = _variants(old_doc, old), _variants(new_doc, new)
    if "any" in new_variants and "any" not in old_variants:
        out.append(Change(path, False, "now accepts any value"))
        return
    for kind in sorted(old_variants.keys() - new_variants.keys()):
        out.append(Change(path, True, f"type {kind} no longer accepted"))
    for kind in sorted(new_variants.keys() - old_variants.keys()):
        out.append(Change(path, False, f"type {kind} now accepted"))
    for kind in sorted(old_variants.keys() & new_variants.keys()):
        _compare_same_type(old_doc, old_variants[kind], new_doc, new_variants[kind], path, out)


def _compare_same_type(
    old_doc: _Doc, old: Schema, new_doc: _Doc, new: Schema, path: str, out: list[Change]
) -> None:
    _compare_values(old, new, path, out)
    _compare_limits(old, new, path, out)
    for keyword in ("pattern", "format"):
        if old.get(keyword) != new.get(keyword):
            loosened = keyword in old and keyword not in new
            out.append(
                Change(
                    path, not loosened, f"{keyword} {old.get(keyword)!r} -> {new.get(keyword)!r}"
                )
            )
    if "items" in old or "items" in new:
        _compare(old_doc, old.get("items", {}), new_doc, new.get("items", {}), f"{path}[]", out)
    if old.get("type") == "object":
        _compare_objects(old_doc, old, new_doc, new, path, out)


def _compare_values(old: Schema, new: Schema, path: str, out: list[Change]) -> None:
    old_values = _allowed_values(old)
    new_values = _allowed_values(new)
    if old_values is None and new_values is None:
        return
    if new_values is None:
        out.append(Change(path, False, "no longer limited to a list of values"))
    elif old_values is None:
        out.append(Change(path, True, f"newly limited to {sorted(map(repr, new_values))}"))
    else:
        for value in sorted(map(repr, old_values - new_values)):
            out.append(Change(path, True, f"enum value {value} removed"))
        for value in sorted(map(repr, new_values - old_values)):
            out.append(Change(path, False, f"enum value {value} added"))


def _allowed_values(schema: Schema) -> frozenset[Any] | None:
    if "const" in schema:
        return frozenset([schema["const"]])
    if "enum" in schema:
        return frozenset(value for value in schema["enum"] if _json_type(value) == schema["type"])
    return None


def _compare_limits(old: Schema, new: Schema, path: str, out: list[Change]) -> None:
    for keyword, larger_accepts_more in _LIMITS:
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if after is None:
            tighter = False
        elif before is None:
            tighter = True
        else:
            tighter = (after < before) if larger_accepts_more else (after > before)
        out.append(Change(path, tighter, f"{keyword} {before} -> {after}"))


def _compare_objects(
    old_doc: _Doc, old: Schema, new_doc: _Doc, new: Schema, path: str, out: list[Change]
) -> None:
    old_props: Mapping[str, Schema] = old.get("properties", {})
    new_props: Mapping[str, Schema] = new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    prefix = f"{path}." if path else ""
    for name in sorted(old_props.keys() - new_props.keys()):
        out.append(Change(f"{prefix}{name}", True, "property removed"))
    for name in sorted(new_props.keys() - old_props.keys()):
        required = name in new_required
        out.append(
            Change(
                f"{prefix}{name}",
                required,
                f"{'required' if required else 'optional'} property added",
            )
        )
    for name in sorted(old_props.keys() & new_props.keys()):
        if name in new_required and name not in old_required:
            out.append(Change(f"{prefix}{name}", True, "property newly required"))
        elif name in old_required and name not in new_required:
            out.append(Change(f"{prefix}{name}", False, "property no longer required"))
        _compare(old_doc, old_props[name], new_doc, new_props[name], f"{prefix}{name}", out)
    old_extra, new_extra = _extra(old), _extra(new)
    if old_extra is None and new_extra is not None:
        out.append(Change(path, False, "now accepts unknown properties"))
    elif old_extra is not None and new_extra is None:
        out.append(Change(path, True, "no longer accepts unknown properties"))
    elif old_extra is not None and new_extra is not None:
        _compare(old_doc, old_extra, new_doc, new_extra, f"{prefix}*", out)


def _extra(schema: Schema) -> Schema | None:
    """The schema of unknown properties: None when they are forbidden, ``{}`` when anything goes."""
    extra = schema.get("additionalProperties", True)
    if extra is False:
        return None
    return extra if isinstance(extra, Mapping) else {}
