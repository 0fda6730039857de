"""The tagger: rules and a small linear model, mixed per dimension and turned into probabilities.

For every label the score is ``rules_weight * rule_score + model_weight * model_logit +
channel_prior``; citizen and municipality roles also get a coherence bonus from the perspective
probabilities. A softmax per dimension (with a temperature) gives probabilities; the confidence is
the product of the three winning probabilities, i.e. the chance that all three tags are right.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import SamenspelError
from pipeline.tagging.labels import DIMENSIONS, ENUMS, LABELS, OFFSETS, SIZE, SLICES
from pipeline.tagging.matcher import Hit, Matcher
from pipeline.tagging.model import LinearModel, features
from pipeline.tagging.rules import RulesFile, Weights, load_rules
from pipeline.tagging.text import Stemmer, tokenise
from schemas import Channel, CitizenRole, MunicipalityRole, Perspective, Tags, limits

_CHANNELS = frozenset(c.value for c in Channel)
_MAX_REASON = limits.MAX_REASON


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the tagger found in one message before the scores are mixed."""

    channel: str
    hits: list[Hit]
    feats: set[str]
    rule: list[float]
    model: list[float]


@dataclass(frozen=True, slots=True)
class Decision:
    """Mixed scores and probabilities over the flat label index, and the winner per dimension."""

    score: list[float]
    prob: list[float]
    winners: tuple[int, int, int]

    @property
    def confidence(self) -> float:
        """Product of the winning probabilities: the chance that all three tags are right."""
        p0, p1, p2 = (self.prob[i] for i in self.winners)
        return min(1.0, max(0.0, p0 * p1 * p2))


def _softmax(
    values: list[float], start: int, end: int, temperature: float, out: list[float]
) -> int:
    """Softmax of ``values[start:end]`` into ``out``; returns the index of the largest."""
    best = start
    top = values[start]
    for i in range(start + 1, end):
        if values[i] > top:
            top, best = values[i], i
    total = 0.0
    for i in range(start, end):
        e = math.exp((values[i] - top) / temperature)
        out[i] = e
        total += e
    for i in range(start, end):
        out[i] /= total
    return best


class Tagger:
    """Tags an interaction with a perspective, a citizen role and a municipality role."""

    def __init__(
        self,
        rules: RulesFile,
        model: LinearModel,
        *,
        review_threshold: float = 0.40,
        rules_digest: str = "",
    ) -> None:
        if not 0.0 <= review_threshold <= 1.0:
            raise SamenspelError(f"review threshold must be in [0, 1], got {review_threshold}")
        self.rules = rules
        self.model = model
        self.review_threshold = review_threshold
        self.stemmer = Stemmer()
        self.matcher = Matcher(rules, self.stemmer)
        self.version = f"rules-{rules.version}+model-{model.digest}"
        self.rules_digest = rules_digest
        self._priors: dict[str, list[float]] = {}
        for channel in _CHANNELS:
            prior = [0.0] * SIZE
            for dimension, table in rules.channel_priors.get(channel, {}).items():
                for label, value in table.items():
                    prior[OFFSETS[dimension] + LABELS[dimension].index(label)] = value
            self._priors[channel] = prior
        self._members = [ENUMS[dim](label) for dim in DIMENSIONS for label in LABELS[dim]]
        self._heads = [f"{dim} = {label}" for dim in DIMENSIONS for label in LABELS[dim]]
        self._vector_cache: dict[
            int, tuple[Weights, tuple[list[float], list[float], dict[str, list[float]]]]
        ] = {}
        self._coherence: list[tuple[int, int, float]] = []
        for dimension, per_perspective in rules.coherence.items():
            for perspective, bonus in per_perspective.items():
                p_index = LABELS["perspective"].index(perspective)
                for label, value in bonus.items():
                    index = OFFSETS[dimension] + LABELS[dimension].index(label)
                    self._coherence.append((p_index, index, value))

    @classmethod
    def load(
        cls,
        rules_path: str | Path | None = None,
        *,
        review_threshold: float = 0.40,
        model_path: str | Path | None = None,
    ) -> Tagger:
        """Load a rules file and a model artefact (None: the packaged defaults)."""
        rules, raw = load_rules(rules_path)
        model = LinearModel.load(model_path)
        digest = hashlib.sha256(raw).hexdigest()[:8]
        return cls(rules, model, review_threshold=review_threshold, rules_digest=digest)

    def analyse(self, text: str, *, channel: str, subject: str | None = None) -> Analysis:
        """Rule scores and model logits of one message, unmixed."""
        if channel not in _CHANNELS:
            raise SamenspelError(
                f"unknown channel {channel!r} (known: {', '.join(sorted(_CHANNELS))})"
            )
        words = tokenise(f"{subject}. {text}" if subject else text)
        stems = self.stemmer.stems(words)
        hits = self.matcher.hits(words, stems)
        rule = [0.0] * SIZE
        entries = self.matcher.entries
        for hit in hits:
            entry = entries[hit.entry]
            rule[entry.index] += entry.weight * hit.multiplier
        feats = features(stems, channel)
        return Analysis(channel, hits, feats, rule, self.model.scores(feats))

    def _vectors(self, w: Weights) -> tuple[list[float], list[float], dict[str, list[float]]]:
        """Per-label rule and model weights and weighted channel priors, cached per weights."""
        cached = self._vector_cache.get(id(w))
        if cached is not None and cached[0] is w:
            return cached[1]
        wr = [0.0] * SIZE
        wm = [0.0] * SIZE
        for dimension in DIMENSIONS:
            start, end = SLICES[dimension]
            for i in range(start, end):
                wr[i] = w.rules.get(dimension)
                wm[i] = w.model.get(dimension)
        priors = {c: [v * w.channel_prior for v in p] for c, p in self._priors.items()}
        vectors = (wr, wm, priors)
        if len(self._vector_cache) > 64:
            self._vector_cache.clear()
        self._vector_cache[id(w)] = (w, vectors)
        return vectors

    def decide(self, analysis: Analysis, weights: Weights | None = None) -> Decision:
        """Mix the scores of an analysis with ``weights`` (default: the rules file's)."""
        w = weights or self.rules.weights
        wr, wm, priors = self._vectors(w)
        prior = priors[analysis.channel]
        rule, model = analysis.rule, analysis.model
        score = [wr[i] * rule[i] + wm[i] * model[i] + prior[i] for i in range(SIZE)]
        prob = [0.0] * SIZE
        start, end = SLICES["perspective"]
        first = _softmax(score, start, end, w.temperature.perspective, prob)
        coherence = w.coherence
        for p_index, index, value in self._coherence:
            score[index] += coherence * value * prob[p_index]
        start, end = SLICES["citizen_role"]
        second = _softmax(score, start, end, w.temperature.citizen_role, prob)
        start, end = SLICES["municipality_role"]
        third = _softmax(score, start, end, w.temperature.municipality_role, prob)
        return Decision(score, prob, (first, second, third))

    def tag(self, text: str, *, channel: str, subject: str | None = None) -> Tags:
        """Tag one message whose identifiers are already replaced by placeholders."""
        analysis = self.analyse(text, channel=channel, subject=subject)
        decision = self.decide(analysis)
        confidence = decision.confidence
        first, second, third = decision.winners
        members = self._members
        return Tags(
            perspective=Perspective(members[first]),
            citizen_role=CitizenRole(members[second]),
            municipality_role=MunicipalityRole(members[third]),
            confidence=confidence,
            reasons=self.reasons(analysis, decision),
            needs_review=confidence < self.review_threshold,
            tagger_version=self.version,
        )

    def reasons(self, analysis: Analysis, decision: Decision) -> list[str]:
        """Readable reasons per dimension: which rules and words, which prior, which model words."""
        w = self.rules.weights
        entries = self.matcher.entries
        winners = decision.winners
        by_rule: dict[tuple[int, str], list[str]] = {}
        rule_total: dict[tuple[int, str], float] = {}
        for hit in analysis.hits:
            entry = entries[hit.entry]
            if entry.index in winners:
                key = (entry.index, entry.rule)
                if key in by_rule:
                    by_rule[key].append(hit.matched)
                    rule_total[key] += entry.weight * hit.multiplier
                else:
                    by_rule[key] = [hit.matched]
                    rule_total[key] = entry.weight * hit.multiplier
        prior = self._priors[analysis.channel]
        out: list[str] = []
        model_hits: dict[int, list[tuple[float, str]]] = {i: [] for i in winners}
        model_weights = self.model.weights
        for feat in analysis.feats:
            for label_index, weight in model_weights.get(feat, ()):
                if label_index in model_hits:
                    model_hits[label_index].append((weight, feat))
        for n, dimension in enumerate(DIMENSIONS):
            index = winners[n]
            out.append(f"{self._heads[index]} (p={decision.prob[index]:.2f})")
            keys = [k for k in by_rule if k[0] == index]
            if len(keys) > 1:
                keys.sort(key=rule_total.__getitem__, reverse=True)
            scale = w.rules.get(dimension)
            for key in keys[:3]:
                words = "', '".join(by_rule[key][:6])
                out.append(f"{dimension} rule '{key[1]}': '{words}' +{rule_total[key] * scale:.1f}")
            if prior[index]:
                value = prior[index] * w.channel_prior
                out.append(f"{dimension} channel prior '{analysis.channel}' +{value:.1f}")
            model_weight = w.model.get(dimension)
            if model_weight and model_hits[index]:
                top = heapq.nlargest(3, model_hits[index], key=lambda item: abs(item[0]))
                if top:
                    words = ", ".join(f"'{f}' {model_weight * v:+.1f}" for v, f in top)
                    out.append(f"{dimension} model: {words}")
        return [r if len(r) <= _MAX_REASON else r[: _MAX_REASON - 1] + "…" for r in out][
            : limits.MAX_REASONS
        ]
