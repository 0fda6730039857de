"""The learned part of the tagger: a linear model scored with plain dictionaries.

Training uses scikit-learn (see :mod:`pipeline.tagging.train`); inference does not, because a
per-message call into scikit-learn costs far more than a few dictionary lookups. The artefact is a
small JSON file of weights per feature, and its hash is part of the tagger version.

Features of a message: each distinct stem (``w:``), the character 3- to 5-grams of each distinct
stem with ``<`` and ``>`` marking its ends (``c:``, scaled down: they let unseen compounds borrow
from known parts), each distinct pair of adjacent stems (``b:``), the channel (``ch:``) and the 21
rule scores of the rules file (dense). Everything is linear, so the contribution of one stem can be
computed once and cached; that is what makes the tagger fast.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson

from pipeline.errors import SamenspelError
from pipeline.tagging.labels import DIMENSIONS, LABELS, SIZE

DEFAULT_MODEL_PATH = Path(__file__).parent / "model" / "model.json"
FORMAT = 2
CHAR_MIN, CHAR_MAX = 3, 5
PAIRS = (("perspective", "citizen_role"), ("perspective", "municipality_role"),
         ("citizen_role", "municipality_role"))  # fmt: skip
"""Dimension pairs whose label co-occurrence the joint decoder uses."""

Vector = tuple[float, ...]
ZERO: Vector = (0.0,) * SIZE


def char_grams(stem: str) -> list[str]:
    """Character 3- to 5-grams of one stem with ``<``/``>`` at its ends (``c:`` features)."""
    padded = f"<{stem}>"
    size = len(padded)
    return [padded[k : k + n] for n in range(CHAR_MIN, CHAR_MAX + 1) for k in range(size - n + 1)]


def stem_features(stem: str) -> list[str]:
    """Features one distinct stem contributes: itself and its character n-grams."""
    return [f"w:{stem}", *(f"c:{g}" for g in char_grams(stem))]


def features(stems: list[str], channel: str) -> Counter[str]:
    """Sparse (non-rule) features of a message with their counts."""
    counts: Counter[str] = Counter()
    for stem in dict.fromkeys(stems):
        counts.update(stem_features(stem))
    counts.update(f"b:{a} {b}" for a, b in dict.fromkeys(pairwise(stems)))
    counts[f"ch:{channel}"] += 1
    return counts


@dataclass(frozen=True)
class LinearModel:
    """Per-label bias, sparse per-feature weights, rule-score weights and joint label tables.

    ``rule_weights[j]`` holds the weights of rule score ``j`` (flat index) on each label;
    ``joint[(a, b)]`` is the pointwise mutual information of label pairs of dimensions ``a`` and
    ``b`` in the training data, used by the joint decoder.
    """

    bias: list[float]
    weights: dict[str, tuple[tuple[int, float], ...]]
    char_scale: float = 0.3
    rule_weights: tuple[tuple[tuple[int, float], ...], ...] = ((),) * SIZE
    joint: dict[tuple[str, str], tuple[tuple[float, ...], ...]] = field(default_factory=dict)
    digest: str = "none"
    meta: dict[str, Any] = field(default_factory=dict)

    def stem_vector(self, stem: str) -> Vector:
        """Summed weights of a stem's word and character features on every label (uncached)."""
        total = [0.0] * SIZE
        weights = self.weights
        scale = self.char_scale
        for feat in stem_features(stem):
            pairs = weights.get(feat)
            if pairs:
                factor = scale if feat.startswith("c:") else 1.0
                for index, weight in pairs:
                    total[index] += factor * weight
        return tuple(total)

    def scores(self, feats: Counter[str], rule: list[float]) -> list[float]:
        """Logits for all labels of all dimensions (the reference path: no caching)."""
        total = list(self.bias)
        weights = self.weights
        for feat, count in feats.items():
            pairs = weights.get(feat)
            if pairs:
                factor = count * (self.char_scale if feat.startswith("c:") else 1.0)
                for index, weight in pairs:
                    total[index] += factor * weight
        for j, value in enumerate(rule):
            if value:
                for index, weight in self.rule_weights[j]:
                    total[index] += value * weight
        return total

    @classmethod
    def empty(cls) -> LinearModel:
        """A model that adds nothing: the tagger then runs on rules alone."""
        return cls(bias=[0.0] * SIZE, weights={}, digest="none")

    def to_json(self) -> bytes:
        """Deterministic JSON (sorted keys, rounded weights) so that retraining is reproducible."""
        doc = {
            "format": FORMAT,
            "labels": {dim: list(LABELS[dim]) for dim in DIMENSIONS},
            "meta": self.meta,
            "char_scale": self.char_scale,
            "bias": [round(b, 4) for b in self.bias],
            "weights": {
                f: [[i, round(w, 4)] for i, w in pairs] for f, pairs in self.weights.items()
            },
            "rule_weights": [[[i, round(w, 4)] for i, w in row] for row in self.rule_weights],
            "joint": {
                f"{a}|{b}": [[round(v, 4) for v in row] for row in table]
                for (a, b), table in self.joint.items()
            },
        }
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) + b"\n"

    @classmethod
    def from_json(cls, raw: bytes, source: str) -> LinearModel:
        """Parse an artefact; a mismatch with the current label set is a clear error."""
        try:
            doc = orjson.loads(raw)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                found = doc.get("format") if isinstance(doc, dict) else None
                raise ValueError(f"unsupported format {found!r} (expected {FORMAT}); retrain it")
            if doc["labels"] != {dim: list(LABELS[dim]) for dim in DIMENSIONS}:
                raise ValueError("its labels differ from the taxonomy; retrain it")
            bias = [float(b) for b in doc["bias"]]
            if len(bias) != SIZE:
                raise ValueError(f"expected {SIZE} biases, got {len(bias)}")
            weights = {
                str(f): tuple((int(i), float(w)) for i, w in pairs if 0 <= int(i) < SIZE)
                for f, pairs in doc["weights"].items()
            }
            rule_weights = tuple(
                tuple((int(i), float(w)) for i, w in row if 0 <= int(i) < SIZE)
                for row in doc["rule_weights"]
            )
            if len(rule_weights) != SIZE:
                raise ValueError(f"expected {SIZE} rule-weight rows, got {len(rule_weights)}")
            joint: dict[tuple[str, str], tuple[tuple[float, ...], ...]] = {}
            for a, b in PAIRS:
                table = doc["joint"].get(f"{a}|{b}")
                if table is None:
                    continue
                rows = tuple(tuple(float(v) for v in row) for row in table)
                if len(rows) != len(LABELS[a]) or any(len(r) != len(LABELS[b]) for r in rows):
                    raise ValueError(f"joint table {a}|{b} has the wrong shape")
                joint[(a, b)] = rows
            char_scale = float(doc["char_scale"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SamenspelError(f"model file {source}: {exc}") from None
        digest = hashlib.sha256(raw).hexdigest()[:8]
        return cls(
            bias=bias,
            weights=weights,
            char_scale=char_scale,
            rule_weights=rule_weights,
            joint=joint,
            digest=digest,
            meta=dict(doc.get("meta", {})),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> LinearModel:
        """Read an artefact (None: the packaged one; missing packaged file: an empty model)."""
        file = Path(path) if path is not None else DEFAULT_MODEL_PATH
        if path is None and not file.exists():
            return cls.empty()
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise SamenspelError(f"model file {file}: cannot read ({exc.strerror})") from None
        return cls.from_json(raw, str(file))
