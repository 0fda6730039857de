"""The learned part of the tagger: a linear model scored with plain dictionaries.

Training uses scikit-learn (see :mod:`pipeline.tagging.train`); inference does not, because a
per-message call into scikit-learn costs far more than a few dictionary lookups. The artefact is a
small JSON file of weights per feature, and its hash is part of the tagger version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson

from pipeline.errors import SamenspelError
from pipeline.tagging.labels import DIMENSIONS, LABELS, SIZE

DEFAULT_MODEL_PATH = Path(__file__).parent / "model" / "model.json"
FORMAT = 1


def features(stems: list[str], channel: str) -> set[str]:
    """Model features of a message: stems, adjacent stem pairs and the channel."""
    result = set(stems)
    result.update(f"{a} {b}" for a, b in pairwise(stems))
    result.add(f"channel={channel}")
    return result


@dataclass(frozen=True)
class LinearModel:
    """Per-label bias and sparse per-feature weights over the flat label index."""

    bias: list[float]
    weights: dict[str, tuple[tuple[int, float], ...]]
    digest: str = "none"
    meta: dict[str, Any] = field(default_factory=dict)

    def scores(self, feats: Iterable[str]) -> list[float]:
        """Logits for all labels of all dimensions (softmax per dimension gives probabilities)."""
        total = list(self.bias)
        weights = self.weights
        for feat in feats:
            pairs = weights.get(feat)
            if pairs:
                for index, weight in pairs:
                    total[index] += weight
        return total

    def contributions(self, feats: Iterable[str], index: int) -> list[tuple[str, float]]:
        """Features that push label ``index`` up or down, strongest first."""
        found: list[tuple[str, float]] = []
        for feat in feats:
            for label_index, weight in self.weights.get(feat, ()):
                if label_index == index:
                    found.append((feat, weight))
        found.sort(key=lambda item: -abs(item[1]))
        return found

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
            "bias": [round(b, 4) for b in self.bias],
            "weights": {
                f: [[i, round(w, 4)] for i, w in pairs] for f, pairs in self.weights.items()
            },
        }
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) + b"\n"

    @classmethod
    def from_json(cls, raw: bytes, source: str) -> LinearModel:
        """Parse an artefact; a mismatch with the current label set is a clear error."""
        try:
            doc = orjson.loads(raw)
            if doc.get("format") != FORMAT:
                raise ValueError(f"unsupported format {doc.get('format')!r}")
            if doc["labels"] != {dim: list(LABELS[dim]) for dim in DIMENSIONS}:
                raise ValueError("its labels differ from the taxonomy; retrain it")
            bias = [float(b) for b in doc["bias"]]
            if len(bias) != SIZE:
                raise ValueError(f"expected {SIZE} biases, got {len(bias)}")
            weights = {
                str(f): tuple((int(i), float(w)) for i, w in pairs if 0 <= int(i) < SIZE)
                for f, pairs in doc["weights"].items()
            }
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise SamenspelError(f"model file {source}: {exc}") from None
        digest = hashlib.sha256(raw).hexdigest()[:8]
        return cls(bias=bias, weights=weights, digest=digest, meta=dict(doc.get("meta", {})))

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
