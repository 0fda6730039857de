"""The three label dimensions in one fixed order, with a flat index over all labels.

Scores for all dimensions live in one list (perspective, then citizen role, then municipality
role), so that one pass over a message's words can update every dimension.
"""

from __future__ import annotations

from typing import Final

from schemas import CitizenRole, MunicipalityRole, Perspective
from schemas.taxonomy import _Label

DIMENSIONS: Final[tuple[str, ...]] = ("perspective", "citizen_role", "municipality_role")
ENUMS: Final[dict[str, type[_Label]]] = {
    "perspective": Perspective,
    "citizen_role": CitizenRole,
    "municipality_role": MunicipalityRole,
}
LABELS: Final[dict[str, tuple[str, ...]]] = {
    dim: tuple(e.value for e in ENUMS[dim]) for dim in DIMENSIONS
}

_offsets: dict[str, int] = {}
_position = 0
for _dim in DIMENSIONS:
    _offsets[_dim] = _position
    _position += len(LABELS[_dim])

OFFSETS: Final[dict[str, int]] = _offsets
"""Where each dimension starts in the flat score list."""
SIZE: Final[int] = _position
"""Number of labels over all dimensions."""
SLICES: Final[dict[str, tuple[int, int]]] = {
    dim: (OFFSETS[dim], OFFSETS[dim] + len(LABELS[dim])) for dim in DIMENSIONS
}


def flat_index(dimension: str, label: str) -> int:
    """Position of ``label`` of ``dimension`` in the flat score list."""
    return OFFSETS[dimension] + LABELS[dimension].index(label)
