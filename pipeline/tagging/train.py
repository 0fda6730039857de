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

from pipeline.errors import SamenspelError
from pipeline.tagging.data import LabelledRow
from pipeline.tagging.labels import DIMENSIONS, LABELS, OFFSETS, SIZE, SLICES
from pipeline.tagging.model import PAIRS, LinearModel, features
from pipeline.tagging.rules import DimensionWeights, RulesFile, Weights, load_rules
from pipeline.tagging.tagger import Analysis, Tagger


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of the model; defaults chosen by cross-validation on dev + train."""

    c: float = 3.0
    min_df: int = 2
    min_weight: float = 0.05
    char_scale: float = 0.3
    balanced: bool = True


def _prepared(
    rows: Sequence[LabelledRow], rules: RulesFile
) -> tuple[list[Counter[str]], list[list[float]]]:
    """Sparse features and rule scores of each row, as the tagger computes them."""
    tagger = Tagger(rules, LinearModel.empty())
    sets, rule_scores = [], []
    for row in rows:
        analysis = tagger.analyse(row.text, channel=row.channel.value, subject=row.subject)
        sets.append(features(analysis.stems, row.channel.value))
        rule_scores.append(analysis.rule)
    return sets, rule_scores


def _joint(rows: Sequence[LabelledRow]) -> dict[tuple[str, str], tuple[tuple[float, ...], ...]]:
    """Smoothed pointwise mutual information of the gold label pairs (for joint decoding)."""
    tables = {}
    for a, b in PAIRS:
        na, nb = len(LABELS[a]), len(LABELS[b])
        counts = [[0.5] * nb for _ in range(na)]
        for row in rows:
            counts[LABELS[a].index(row.gold(a))][LABELS[b].index(row.gold(b))] += 1
        total = sum(map(sum, counts))
        pa = [sum(r) / total for r in counts]
        pb = [sum(counts[i][j] for i in range(na)) / total for j in range(nb)]
        tables[(a, b)] = tuple(
            tuple(round(math.log(counts[i][j] / total / (pa[i] * pb[j])), 4) for j in range(nb))
            for i in range(na)
        )
    return tables


def train(
    rows: Sequence[LabelledRow],
    config: TrainConfig | None = None,
    rules: RulesFile | None = None,
) -> LinearModel:
    """Fit one multinomial logistic regression per dimension and export its sparse weights.

    ``rules`` (default: the packaged rules file) gives the rule-score features; the model learns
    how far to trust each rule per label.
    """
    try:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise SamenspelError(
            "training needs scikit-learn: pip install 'samenspel[train]' (tagging itself does not)"
        ) from None

    cfg = config or TrainConfig()
    rules = rules or load_rules()[0]
    sets, rule_scores = _prepared(rows, rules)
    df = Counter(f for s in sets for f in s)
    vocab = sorted(f for f, n in df.items() if n >= cfg.min_df)
    column = {f: i for i, f in enumerate(vocab)}
    data_rows, cols, values = [], [], []
    for r, s in enumerate(sets):
        for f in sorted(s):
            if f in column:
                data_rows.append(r)
                cols.append(column[f])
                values.append(s[f] * (cfg.char_scale if f.startswith("c:") else 1.0))
    sparse = csr_matrix(
        (np.array(values, dtype=np.float64), (data_rows, cols)), shape=(len(rows), len(vocab))
    )
    matrix = hstack([sparse, csr_matrix(np.array(rule_scores, dtype=np.float64))]).tocsr()
    bias = [0.0] * SIZE
    weights: dict[str, list[tuple[int, float]]] = {}
    rule_weights: list[list[tuple[int, float]]] = [[] for _ in range(SIZE)]
    for dimension in DIMENSIONS:
        gold = [row.gold(dimension) for row in rows]
        classes = sorted(set(gold))
        if len(classes) < 2:
            continue
        clf = LogisticRegression(
            C=cfg.c, max_iter=5000, tol=1e-8, class_weight="balanced" if cfg.balanced else None
        )
        clf.fit(matrix, gold)
        coef = clf.coef_
        intercept = clf.intercept_
        if len(clf.classes_) == 2:  # binary: sklearn keeps one row for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        flat = [OFFSETS[dimension] + LABELS[dimension].index(c) for c in clf.classes_]
        start, end = SLICES[dimension]
        floor = float(min(intercept)) - 5.0  # labels never seen in training stay unlikely
        for i in range(start, end):
            bias[i] = floor
        for k, index in enumerate(flat):
            bias[index] = float(intercept[k])
        for j, feat in enumerate(vocab):
            for k, index in enumerate(flat):
                w = float(coef[k, j])
                if abs(w) >= cfg.min_weight:
                    weights.setdefault(feat, []).append((index, round(w, 4)))
        for j in range(SIZE):
            for k, index in enumerate(flat):
                w = float(coef[k, len(vocab) + j])
                if w:
                    rule_weights[j].append((index, round(w, 4)))
    meta = {
        "rows": len(rows),
        "c": cfg.c,
        "min_df": cfg.min_df,
        "min_weight": cfg.min_weight,
        "balanced": cfg.balanced,
        "data_sha256": hashlib.sha256(
            "\n".join(f"{r.id}\t{r.text}" for r in rows).encode()
        ).hexdigest()[:16],
    }
    exported = {f: tuple(p) for f, p in sorted(weights.items())}
    model = LinearModel(
        bias=bias,
        weights=exported,
        char_scale=cfg.char_scale,
        rule_weights=tuple(tuple(row) for row in rule_weights),
        joint=_joint(rows),
        meta=meta,
    )
    return LinearModel.from_json(model.to_json(), "<trained>")


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
    rules_grid: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 1.5),
    model_grid: Sequence[float] = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0),
    temperature_grid: Sequence[float] = (0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0),
    joint_grid: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
) -> CvResult:
    """Choose the mixing weights by k-fold cross-validation.

    The model is retrained on each training fold, so the held-out fold's scores are honest for a
    given set of weights; choosing the weights on the same folds makes the reported accuracy
    slightly optimistic. Per dimension the rules and model weights are chosen by accuracy and the
    temperature by log-loss (without joint decoding), then the joint weight by mean accuracy.
    """
    analyses: list[tuple[Tagger, Analysis, LabelledRow]] = []
    for fold in _folds(len(rows), folds):
        held = set(fold)
        model = train([r for i, r in enumerate(rows) if i not in held], config, rules)
        tagger = Tagger(rules, model)
        for i in fold:
            row = rows[i]
            analysis = tagger.analyse(row.text, channel=row.channel.value, subject=row.subject)
            analyses.append((tagger, analysis, row))
    base = rules.weights
    chosen: dict[str, dict[str, float]] = {
        "rules": {d: base.rules.get(d) for d in DIMENSIONS},
        "model": {d: base.model.get(d) for d in DIMENSIONS},
        "temperature": {d: base.temperature.get(d) for d in DIMENSIONS},
    }
    joint = [0.0]

    def weights() -> Weights:
        update: dict[str, object] = {k: DimensionWeights(**v) for k, v in chosen.items()}
        update["joint"] = joint[0]
        return base.model_copy(update=update)

    def measure() -> tuple[dict[str, float], dict[str, float]]:
        w = weights()
        hits = dict.fromkeys(DIMENSIONS, 0)
        loss = dict.fromkeys(DIMENSIONS, 0.0)
        for tagger, analysis, row in analyses:
            decision = tagger.decide(analysis, w)
            for position, dimension in enumerate(DIMENSIONS):
                gold = OFFSETS[dimension] + LABELS[dimension].index(row.gold(dimension))
                hits[dimension] += decision.winners[position] == gold
                loss[dimension] -= math.log(max(decision.prob[gold], 1e-9))
        n = len(analyses)
        return {d: h / n for d, h in hits.items()}, {d: v / n for d, v in loss.items()}

    for dimension in DIMENSIONS:
        best: tuple[float, float, float] | None = None
        for wr in rules_grid:
            for wm in model_grid:
                chosen["rules"][dimension], chosen["model"][dimension] = wr, wm
                acc = measure()[0][dimension]
                if best is None or acc > best[0] + 1e-9:
                    best = (acc, wr, wm)
        assert best is not None
        chosen["rules"][dimension], chosen["model"][dimension] = best[1], best[2]
        best_t: tuple[float, float] | None = None
        for t in temperature_grid:
            chosen["temperature"][dimension] = t
            loss = measure()[1][dimension]
            if best_t is None or loss < best_t[0] - 1e-9:
                best_t = (loss, t)
        assert best_t is not None
        chosen["temperature"][dimension] = best_t[1]
    best_j: tuple[float, float] | None = None
    for lam in joint_grid:
        joint[0] = lam
        mean = sum(measure()[0].values())
        if best_j is None or mean > best_j[0] + 1e-9:
            best_j = (mean, lam)
    assert best_j is not None
    joint[0] = best_j[1]
    accuracy, log_loss = measure()
    return CvResult(weights(), accuracy, log_loss)
