"""Readable validation errors: one line naming each failing field and the rule it broke."""

from __future__ import annotations

from pydantic import ValidationError


def describe_validation_error(
    exc: ValidationError, limit: int = 3, *, whole: str = "(event)"
) -> str:
    """E.g. ``occurred_at: Input should have timezone info; and 2 more`` (``whole``: the root)."""
    parts = []
    for error in exc.errors()[:limit]:
        field = ".".join(str(part) for part in error["loc"]) or whole
        parts.append(f"{field}: {error['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
