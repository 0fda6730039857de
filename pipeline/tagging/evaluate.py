"""Evaluation against gold labels: accuracy, macro-F1 and a confusion matrix per dimension."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import SamenspelError
from pipeline.tagging.data import GOLD_KEYS, numbered_jsonl
from pipeline.tagging.labels import DIMENSIONS, LABELS
from schemas import Tags

GOLD_CONTAINERS = ("tags", "labels", "gold", "expected")
"""Keys under which a labelled row may nest its gold labels instead of holding them at the top."""
PLACEHOLDER_TIME = "2026-01-01T00:00:00+00:00"
"""``occurred_at`` given to ``tag_fn`` for labelled rows that have none (labelled files do not)."""


@dataclass
class DimensionReport:
    """Scores of one label dimension; ``confusion[gold][predicted]`` counts interactions."""

    dimension: str
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, gold: str, predicted: str) -> None:
        """Count one interaction."""
        row = self.confusion.setdefault(gold, {})
        row[predicted] = row.get(predicted, 0) + 1

    @property
    def total(self) -> int:
        """Number of interactions counted."""
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def accuracy(self) -> float:
        """Share of interactions whose predicted label equals the gold label."""
        total = self.total
        correct = sum(row.get(gold, 0) for gold, row in self.confusion.items())
        return correct / total if total else 0.0

    def labels(self) -> list[str]:
        """Labels seen as gold or predicted, in taxonomy order."""
        seen = set(self.confusion) | {p for row in self.confusion.values() for p in row}
        return [label for label in LABELS[self.dimension] if label in seen]

    def f1(self, label: str) -> tuple[float, float, float]:
        """Precision, recall and F1 of one label (0 when undefined)."""
        tp = self.confusion.get(label, {}).get(label, 0)
        predicted = sum(row.get(label, 0) for row in self.confusion.values())
        actual = sum(self.confusion.get(label, {}).values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def macro_f1(self) -> float:
        """Unweighted mean F1 over the labels seen as gold or predicted (as scikit-learn does)."""
        labels = self.labels()
        return sum(self.f1(label)[2] for label in labels) / len(labels) if labels else 0.0


@dataclass
class Report:
    """Evaluation of a tagger on labelled interactions."""

    dimensions: dict[str, DimensionReport]
    total: int = 0
    needs_review: int = 0
    confidence_sum: float = 0.0
    failed: list[str] = field(default_factory=list)
    """Rows that could not be tagged, each as "line N: reason"; they are not scored."""

    @property
    def review_rate(self) -> float:
        """Share of interactions flagged for review."""
        return self.needs_review / self.total if self.total else 0.0

    def render(self) -> str:
        """A readable text report: summary table, then per-label scores and confusion matrices."""
        mean_conf = self.confidence_sum / self.total if self.total else 0.0
        lines = [f"could not be tagged: {failure}" for failure in self.failed]
        lines += [
            f"interactions: {self.total}   needs review: {self.needs_review} "
            f"({self.review_rate:.1%})   mean confidence: {mean_conf:.2f}",
            "",
            f"{'dimension':<20} {'accuracy':>9} {'macro-F1':>9}",
        ]
        for dim in DIMENSIONS:
            r = self.dimensions[dim]
            lines.append(f"{dim:<20} {r.accuracy:>9.3f} {r.macro_f1:>9.3f}")
        for dim in DIMENSIONS:
            r = self.dimensions[dim]
            labels = r.labels()
            width = max([len(label) for label in labels] + [10])
            lines += ["", f"== {dim} ==", f"{'label':<{width}} {'prec':>6} {'recall':>6} {'F1':>6}"]
            for label in labels:
                p, rc, f = r.f1(label)
                lines.append(f"{label:<{width}} {p:>6.2f} {rc:>6.2f} {f:>6.2f}")
            short = [label[:6] for label in labels]
            lines.append("")
            corner = "gold/predicted"
            lines.append(f"{corner:<{width}} " + " ".join(f"{s:>6}" for s in short))
            for gold in labels:
                row = r.confusion.get(gold, {})
                cells = " ".join(f"{row.get(p, 0):>6}" for p in labels)
                lines.append(f"{gold:<{width}} {cells}")
        return "\n".join(lines)


def evaluate(rows: Iterable[tuple[Tags, Mapping[str, Any]]]) -> Report:
    """Compare each predicted ``Tags`` with the gold labels in its labelled row."""
    report = Report({dim: DimensionReport(dim) for dim in DIMENSIONS})
    for tags, gold in rows:
        for dim in DIMENSIONS:
            if dim not in gold:
                raise SamenspelError(f"labelled row {gold.get('id', '?')}: missing gold '{dim}'")
            report.dimensions[dim].add(str(gold[dim]), getattr(tags, dim).value)
        report.total += 1
        report.needs_review += tags.needs_review
        report.confidence_sum += tags.confidence
    return report


def evaluate_file(path: str | Path, tag_fn: Callable[[dict[str, Any]], Tags]) -> Report:
    """Tag every row of a labelled JSON-lines file with ``tag_fn`` and evaluate the result.

    ``tag_fn`` gets the row as a raw-event dict: without the gold labels, and with a placeholder
    ``occurred_at`` when the row has none. A row that ``tag_fn`` refuses is listed in
    ``Report.failed`` and not scored, so that one bad row does not hide the others' figures.
    """
    pairs = []
    failed = []
    for number, row in numbered_jsonl(path):
        gold, container = _gold(row, f"labelled file {path} line {number}")
        event = {k: v for k, v in row.items() if k not in GOLD_KEYS and k != container}
        event.setdefault("occurred_at", PLACEHOLDER_TIME)
        try:
            tags = tag_fn(event)
        except Exception as exc:  # the reason is shown; the other rows are still scored
            failed.append(f"line {number}: {exc}")
            continue
        pairs.append((tags, gold))
    report = evaluate(pairs)
    report.failed = failed
    return report


def _label_id(value: Any) -> Any:
    """A label as people write it ("Burgers en bedrijven") as its id ("burgers_en_bedrijven")."""
    if not isinstance(value, str):
        return value
    return "_".join(value.strip().lower().replace("-", " ").split())


def _gold(row: Mapping[str, Any], where: str) -> tuple[dict[str, str], str | None]:
    """The gold labels of a row, at its top level or nested under one of GOLD_CONTAINERS."""
    candidates: list[tuple[Any, str | None]] = [(row, None)]
    candidates += [(row.get(key), key) for key in GOLD_CONTAINERS]
    for source, container in candidates:
        if isinstance(source, Mapping) and all(d in source for d in DIMENSIONS):
            gold = {d: _label_id(source[d]) for d in DIMENSIONS}
            for dim, label in gold.items():
                if label not in LABELS[dim]:
                    raise SamenspelError(
                        f"{where}: unknown {dim} {label!r} (known: {', '.join(LABELS[dim])})"
                    )
            return gold, container
    raise SamenspelError(
        f"{where}: no gold labels ({', '.join(DIMENSIONS)}) at the top level or under "
        + " / ".join(f"'{key}'" for key in GOLD_CONTAINERS)
    )
