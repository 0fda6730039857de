"""Training the linear model with scikit-learn, and cross-validation to choose the mixing weights.

Only this module imports scikit-learn; the tagger itself scores the exported weights with plain
dictionaries. Training is deterministic (sorted vocabulary, lbfgs), so the same data gives the
same artefact byte for byte.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.tagging.data import LabelledRow
from pipeline.tagging.labels import DIMENSIONS, LABELS, OFFSETS, SIZE, SLICES
from pipeline.tagging.model import LinearModel, features
from pipeline.tagging.rules import DimensionWeights, RulesFile, Weights
from pipeline.tagging.tagger import Analysis, Tagger
from pipeline.tagging.text import Stemmer, tokenise


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of the model; defaults chosen by cross-validation on dev."""

    c: float = 1.0
    min_df: int = 2
    min_weight: float = 0.15


def _feature_sets(rows: Sequence[LabelledRow], stemmer: Stemmer) -> list[set[str]]:
    sets = []
    for row in rows:
        text = f"{row.subject}. {row.text}" if row.subject else row.text
        sets.append(features(stemmer.stems(tokenise(text)), row.channel.value))
    return sets


def train(rows: Sequence[LabelledRow], config: TrainConfig | None = None) -> LinearModel:
    """Fit one multinomial logistic regression per dimension and export its sparse weights."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    cfg = config or TrainConfig()
    sets = _feature_sets(rows, Stemmer())
    df = Counter(f for s in sets for f in s)
    vocab = sorted(f for f, n in df.items() if n >= cfg.min_df)
    column = {f: i for i, f in enumerate(vocab)}
    data_rows, cols = [], []
    for r, s in enumerate(sets):
        for f in sorted(s):
            if f in column:
                data_rows.append(r)
                cols.append(column[f])
    matrix = csr_matrix(
        (np.ones(len(cols)), (data_rows, cols)), shape=(len(rows), len(vocab)), dtype=np.float64
    )
    bias = [0.0] * SIZE
    weights: dict[str, list[tuple[int, float]]] = {}
    for dimension in DIMENSIONS:
        gold = [row.gold(dimension) for row in rows]
        classes = sorted(set(gold))
        if len(classes) < 2:
            continue
        clf = LogisticRegression(C=cfg.c, max_iter=5000, tol=1e-8)
        clf.fit(matrix, gold)
        coef = clf.coef_
        intercept = clf.intercept_
        if len(clf.classes_) == 2:  # binary: sklearn keeps one row for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        flat = [OFFSETS[dimension] + LABELS[dimension].index(c) for c in clf.classes_]
        start, end = SLICES[dimension]
        floor = float(min(intercept))
        for i in range(start, end):
            bias[i] = floor
        for k, index in enumerate(flat):
            bias[index] = float(intercept[k])
        for j, feat in enumerate(vocab):
            for k, index in enumerate(flat):
                w = float(coef[k, j])
                if abs(w) >= cfg.min_weight:
                    weights.setdefault(feat, []).append((index, round(w, 4)))
    meta = {
        "rows": len(rows),
        "c": cfg.c,
        "min_df": cfg.min_df,
        "min_weight": cfg.min_weight,
        "data_sha256": hashlib.sha256(
            "\n".join(f"{r.id}\t{r.text}" for r in rows).encode()
        ).hexdigest()[:16],
    }
    exported = {f: tuple(p) for f, p in sorted(weights.items())}
    return LinearModel.from_json(
        LinearModel(bias=bias, weights=exported, meta=meta).to_json(), "<trained>"
    )


@dataclass(frozen=True)
class CvResult:
    """Cross-validated accuracy per dimension for the best mixing weights found."""

    weights: Weights
    accuracy: dict[str, float]
    log_loss: dict[str, float]


def _folds(n: int, k: int) -> list[list[int]]:
    return [list(range(i, n, k)) for i in range(k)]


def cross_validate(
    rows: Sequence[LabelledRow],
    rules: RulesFile,
    *,
    folds: int = 5,
    config: TrainConfig | None = None,
    model_grid: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
    temperature_grid: Sequence[float] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0),
) -> CvResult:
    """Choose model weights and temperatures per dimension by k-fold cross-validation.

    The model is retrained on each training fold, so the held-out fold's scores are honest.
    Perspective is chosen first because the role scores depend on it through coherence.
    """
    analyses: list[tuple[Tagger, Analysis, LabelledRow]] = []
    for fold in _folds(len(rows), folds):
        held = set(fold)
        model = train([r for i, r in enumerate(rows) if i not in held], config)
        tagger = Tagger(rules, model)
        for i in fold:
            row = rows[i]
            analysis = tagger.analyse(row.text, channel=row.channel.value, subject=row.subject)
            analyses.append((tagger, analysis, row))
    base = rules.weights
    chosen_model = {d: base.model.get(d) for d in DIMENSIONS}
    chosen_temp = {d: base.temperature.get(d) for d in DIMENSIONS}
    accuracy: dict[str, float] = {}
    log_loss: dict[str, float] = {}

    def weights() -> Weights:
        return base.model_copy(
            update={
                "model": DimensionWeights(**chosen_model),
                "temperature": DimensionWeights(**chosen_temp),
            }
        )

    def measure(dimension: str) -> tuple[float, float]:
        w = weights()
        n = len(DIMENSIONS)
        hits, loss = 0, 0.0
        position = DIMENSIONS.index(dimension)
        for tagger, analysis, row in analyses:
            decision = tagger.decide(analysis, w)
            gold = OFFSETS[dimension] + LABELS[dimension].index(row.gold(dimension))
            hits += decision.winners[position] == gold
            loss -= math.log(max(decision.prob[gold], 1e-9))
        del n
        return hits / len(analyses), loss / len(analyses)

    for dimension in DIMENSIONS:
        best: tuple[float, float, float] | None = None
        for mw in model_grid:
            chosen_model[dimension] = mw
            acc, _ = measure(dimension)
            if best is None or acc > best[0] + 1e-9:
                best = (acc, mw, 0.0)
        assert best is not None
        chosen_model[dimension] = best[1]
        best_t: tuple[float, float] | None = None
        for t in temperature_grid:
            chosen_temp[dimension] = t
            _, loss = measure(dimension)
            if best_t is None or loss < best_t[0] - 1e-9:
                best_t = (loss, t)
        assert best_t is not None
        chosen_temp[dimension] = best_t[1]
        accuracy[dimension], log_loss[dimension] = measure(dimension)
    return CvResult(weights(), accuracy, log_loss)
