"""The tagger: rules and a small linear model, mixed per dimension and decoded jointly.

For every label the score is ``rules_weight * rule_score + model_weight * model_logit +
channel_prior``; the model itself also reads the rule scores. A softmax per dimension (with a
temperature) gives probabilities. The three labels are then chosen together: the log-probabilities
plus ``joint`` times the learned co-occurrence (PMI) of each label pair, over the top candidates of
each dimension. The confidence is the product of the three chosen probabilities.

Everything before the softmax is linear, so :meth:`Tagger.tag` sums one cached row per distinct
word (its rule hits and model weights already mixed), per model bigram and per phrase, plus the
channel's row, in one numpy gather-and-sum (:mod:`pipeline.tagging.rows`); the reference
path (:meth:`Tagger.analyse` + :meth:`Tagger.decide`) computes the same numbers step by step and is
what cross-validation and the tests use.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pipeline.errors import SamenspelError
from pipeline.tagging import native
from pipeline.tagging.labels import DIMENSIONS, LABELS, OFFSETS, SIZE, SLICES
from pipeline.tagging.matcher import Hit, Matcher
from pipeline.tagging.model import PAIRS, ZERO, LinearModel, Vector, features
from pipeline.tagging.rows import RowTable
from pipeline.tagging.rules import RulesFile, Weights, load_rules
from pipeline.tagging.text import Stemmer, normalise, tokenise
from pipeline.tagging.trusted import construct
from schemas import Channel, CitizenRole, MunicipalityRole, Perspective, Tags, limits

if TYPE_CHECKING:
    from pipeline.tagging._native import Scorer as NativeScorer

_CHANNELS = frozenset(c.value for c in Channel)
_MAX_REASON = limits.MAX_REASON
_CITIZEN = OFFSETS["citizen_role"]
_MUNICIPALITY = OFFSETS["municipality_role"]
_MIN_SHOWN = 0.05
"""Model contributions smaller than this (in absolute value) are not named in reasons."""
_TOP = {"perspective": 2, "citizen_role": 3, "municipality_role": 3}
"""Candidates per dimension that the joint decoder combines."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the tagger found in one message before the scores are mixed."""

    channel: str
    words: list[str]
    stems: list[str]
    hits: list[Hit]
    rule: list[float]
    model: list[float]


@dataclass(frozen=True, slots=True)
class Decision:
    """Mixed scores and probabilities over the flat label index, and the chosen labels."""

    score: list[float]
    prob: list[float]
    winners: tuple[int, int, int]

    @property
    def confidence(self) -> float:
        """Product of the chosen probabilities: the chance that all three tags are right."""
        p0, p1, p2 = (self.prob[i] for i in self.winners)
        return min(1.0, max(0.0, p0 * p1 * p2))


_RuleHit = tuple[int, str, str, float]
"""A rule hit as reasons need it: label index, rule name, matched text, and its effect on that
label's score (rules weight plus the model's trust in that rule score, times the hit's amount)."""


class _Word(NamedTuple):
    """One word's analysis, cached: its stem, its row in the row table, its rule hits and its
    stem's id (stems of model bigrams and phrases first; the compiled core compares ids).

    A tuple, so that the compiled core reads its fields by position."""

    stem: str
    row: int
    hits: tuple[_RuleHit, ...]
    stem_id: int


_STEM = attrgetter("stem")


class _Scored(NamedTuple):
    """What the fast path found in one message, for the tags and their reasons."""

    decision: Decision
    rows: list[int]
    distinct: list[_Word]
    phrases: list[Hit]
    words: list[str]
    stems: list[str]


def _pair_words(pair: tuple[str, str], words: Sequence[str], stems: Sequence[str]) -> str:
    """A model bigram as reasons show it: its first two words in the message, as written."""
    first, second = pair
    for i in range(len(stems) - 1):
        if stems[i] == first and stems[i + 1] == second:
            return f"{words[i]} {words[i + 1]}"
    return f"{first} {second}"


def _softmax(
    values: list[float], start: int, end: int, temperature: float, out: list[float]
) -> None:
    """Softmax of ``values[start:end]`` into ``out``."""
    top = max(values[start:end])
    exps = [math.exp((v - top) / temperature) for v in values[start:end]]
    total = sum(exps)
    out[start:end] = [e / total for e in exps]


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
        self._perspectives = list(Perspective)
        self._citizen_roles = list(CitizenRole)
        self._municipality_roles = list(MunicipalityRole)
        self._heads = [f"{dim} = {label}" for dim in DIMENSIONS for label in LABELS[dim]]
        self._coherence: list[tuple[int, int, float]] = []
        for dimension, per_perspective in rules.coherence.items():
            for perspective, bonus in per_perspective.items():
                p_index = LABELS["perspective"].index(perspective)
                for label, value in bonus.items():
                    index = OFFSETS[dimension] + LABELS[dimension].index(label)
                    self._coherence.append((p_index, index, value))
        self._joint = self._joint_table(model)
        self._prepare_fast_path(rules.weights)

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

    # -- reference path: step by step ------------------------------------------------------

    def analyse(self, text: str, *, channel: str, subject: str | None = None) -> Analysis:
        """Rule scores and model logits of one message, unmixed."""
        self._check_channel(channel)
        words = tokenise(f"{subject}. {text}" if subject else text)
        stems = self.stemmer.stems(words)
        hits = self.matcher.hits(words, stems)
        rule = [0.0] * SIZE
        entries = self.matcher.entries
        for hit in hits:
            entry = entries[hit.entry]
            rule[entry.index] += entry.weight * hit.multiplier
        logits = self.model.scores(features(stems, channel), rule)
        return Analysis(channel, words, stems, hits, rule, logits)

    def decide(self, analysis: Analysis, weights: Weights | None = None) -> Decision:
        """Mix the scores of an analysis with ``weights`` (default: the rules file's)."""
        w = weights or self.rules.weights
        prior = self._priors[analysis.channel]
        score: list[float] = []
        for dimension in DIMENSIONS:
            wr, wm = w.rules.get(dimension), w.model.get(dimension)
            start, end = SLICES[dimension]
            score.extend(
                wr * analysis.rule[i] + wm * analysis.model[i] + w.channel_prior * prior[i]
                for i in range(start, end)
            )
        return self._decode(score, w)

    def explain(self, analysis: Analysis, decision: Decision) -> list[str]:
        """Reasons for a decision of the reference path (same text as :meth:`tag` gives)."""
        w = self.rules.weights
        words, stems = analysis.words, analysis.stems
        contributions: list[tuple[str, Vector]] = []
        first_words: dict[str, str] = {}  # stem -> the first word with that stem, as written
        for word, stem in zip(words, stems, strict=True):
            first_words.setdefault(stem, word)
        for stem, word in first_words.items():
            contributions.append((word, self.model.stem_vector(stem)))
        for pair in sorted(set(pairwise(stems))):
            vector = self._bigram_vector(pair, 1.0)
            if vector is not None:
                contributions.append((_pair_words(pair, words, stems), vector))
        model_w = [w.model.get(d) for d in DIMENSIONS for _ in LABELS[d]]
        names = [name for name, _ in contributions]
        scaled = [tuple(m * v for m, v in zip(model_w, vec, strict=True))
                  for _, vec in contributions]  # fmt: skip
        shares = [_top_shares(names, [v[index] for v in scaled]) for index in decision.winners]
        hits = self._rule_hits(analysis.hits)
        return self._reasons(analysis.channel, hits, shares, decision)

    # -- decoding ---------------------------------------------------------------------------

    @staticmethod
    def _joint_table(model: LinearModel) -> list[list[float]] | None:
        """Learned PMI of label pairs as a flat-index matrix (``[a][b]``, a's dimension first);
        None when the model has none."""
        if not any(model.joint.get(pair) for pair in PAIRS):
            return None
        table = [[0.0] * SIZE for _ in range(SIZE)]
        for a, b in PAIRS:
            for i, row in enumerate(model.joint.get((a, b), ())):
                for j, value in enumerate(row):
                    table[OFFSETS[a] + i][OFFSETS[b] + j] = value
        return table

    def _decode(self, score: list[float], w: Weights) -> Decision:
        """Softmax per dimension, then choose the three labels together."""
        prob = [0.0] * SIZE
        start, end = SLICES["perspective"]
        _softmax(score, start, end, w.temperature.perspective, prob)
        if self._coherence and w.coherence:
            for p_index, index, value in self._coherence:
                score[index] += w.coherence * value * prob[p_index]
        for dimension in ("citizen_role", "municipality_role"):
            start, end = SLICES[dimension]
            _softmax(
                score,
                start,
                end,
                w.temperature.get(dimension),
                prob,
            )
        joint, lam = self._joint, w.joint
        if not (lam and joint):
            winners = [max(range(*SLICES[d]), key=prob.__getitem__) for d in DIMENSIONS]
            return Decision(score, prob, (winners[0], winners[1], winners[2]))
        perspectives, citizens, municipalities = (
            [(i, math.log(prob[i] + 1e-12)) for i in self._candidates(prob, d)] for d in DIMENSIONS
        )
        best = -math.inf
        first, second, third = perspectives[0][0], citizens[0][0], municipalities[0][0]
        for p, lp in perspectives:
            joint_p = joint[p]
            for c, lc in citizens:
                lpc = lp + lc + lam * joint_p[c]
                joint_c = joint[c]
                for m, lm in municipalities:
                    total = lpc + lm + lam * (joint_p[m] + joint_c[m])
                    if total > best:
                        best, first, second, third = total, p, c, m
        return Decision(score, prob, (first, second, third))

    @staticmethod
    def _candidates(prob: list[float], dimension: str) -> list[int]:
        """The most probable labels of a dimension, most probable first, for the joint decoder."""
        return sorted(range(*SLICES[dimension]), key=prob.__getitem__, reverse=True)[
            : _TOP[dimension]
        ]

    # -- fast path: cached per-word vectors -------------------------------------------------

    def _prepare_fast_path(self, w: Weights) -> None:
        """Precompute the mixing of rules, model and priors for the rules file's weights."""
        model = self.model
        wm = [w.model.get(d) for d in DIMENSIONS for _ in LABELS[d]]
        wr = [w.rules.get(d) for d in DIMENSIONS for _ in LABELS[d]]
        self._wm = wm
        # column j: what one unit of rule score j adds to every label (directly and via the model)
        columns: list[list[float]] = []
        for j in range(SIZE):
            column = [0.0] * SIZE
            column[j] += wr[j]
            for index, weight in model.rule_weights[j]:
                column[index] += wm[index] * weight
            columns.append(column)
        self._columns = columns
        self._own = [columns[j][j] for j in range(SIZE)]  # a rule's effect on its own label
        base_rows: dict[str, list[float]] = {}
        for channel in _CHANNELS:
            prior = self._priors[channel]
            base = [wm[i] * model.bias[i] + w.channel_prior * prior[i] for i in range(SIZE)]
            for index, weight in model.weights.get(f"ch:{channel}", ()):
                base[index] += wm[index] * weight
            base_rows[channel] = base
        self._rows = RowTable(SIZE)
        self._row_names: list[str] = []
        self._base = {c: self._add_row(base, ZERO, "") for c, base in base_rows.items()}
        self._bigram_rows: dict[tuple[str, str], int] = {}
        for feat in model.weights:
            if feat.startswith("b:"):
                a, _, b = feat[2:].partition(" ")
                vector = self._bigram_vector((a, b), 1.0)
                if vector is not None:
                    scaled = [m * v for m, v in zip(wm, vector, strict=True)]
                    self._bigram_rows[(a, b)] = self._add_row(scaled, scaled, f"{a} {b}")
        phrase = w.phrase
        self._phrase_rows = [
            self._add_row([entry.weight * phrase * v for v in columns[entry.index]], ZERO, "")
            for entry in self.matcher.entries
        ]
        self._rows.freeze_head()
        self._bigram_keys = frozenset(self._bigram_rows)
        self._phrase_starts = frozenset(self.matcher.phrase_starts())
        phrase_stems = {s for found in self.matcher.phrases().values() for p, _ in found for s in p}
        fixed_stems = sorted({s for pair in self._bigram_keys for s in pair} | phrase_stems)
        self._fixed_stem_ids = {stem: i for i, stem in enumerate(fixed_stems)}
        self._stem_ids: dict[str, int] = {}  # other stems, numbered after the fixed ones
        self._bigram_of_row = {row: pair for pair, row in self._bigram_rows.items()}
        self._prepare_reasons(w)
        self._independent = not (w.joint and self._joint) and not (w.coherence and self._coherence)
        self._spans = [(*SLICES[d], w.temperature.get(d)) for d in DIMENSIONS]
        self._words = _WordCache(self._analyse_word)
        self._native = self._native_scorer(w)
        self._lock = threading.Lock()

    def _native_scorer(self, w: Weights) -> NativeScorer | None:
        """The compiled core over this tagger's tables, or None when it was not built."""
        if native.Scorer is None:
            return None
        ids = self._fixed_stem_ids
        size = len(ids)
        phrases = self.matcher.phrases()
        pairs: dict[int, tuple[int, int, list[tuple[tuple[int, ...], int]]]] = {}
        for rank, pair in enumerate(sorted(self._bigram_keys | set(phrases))):
            row = self._bigram_rows.get(pair, -1)
            found = [(tuple(ids[s] for s in stems), e) for stems, e in phrases.get(pair, [])]
            pairs[ids[pair[0]] * size + ids[pair[1]]] = (row, rank, found)
        return native.Scorer(
            cache=self._words,
            normalise=normalise,
            table=self._rows,
            row_names=self._row_names,
            pairs=pairs,
            nfixed=size,
            entries=[(e.index, e.rule, e.weight, self._own[e.index]) for e in self.matcher.entries],
            phrase_multiplier=self.matcher.phrase_multiplier,
            heads=self._heads,
            dimension_of=self._dimension_of,
            max_reason=_MAX_REASON,
            max_reasons=limits.MAX_REASONS,
            phrase_rows=self._phrase_rows,
            size=SIZE,
            spans=self._spans,
            tops=[_TOP[d] for d in DIMENSIONS],
            lam=w.joint if self._joint else 0.0,
            joint=self._joint or [],
            coherence_weight=w.coherence if self._coherence else 0.0,
            coherence=self._coherence,
            min_shown=_MIN_SHOWN,
        )

    def _forget_words(self) -> None:
        """Drop every word's cached analysis and row (bigram, phrase and channel rows stay)."""
        self._rows.reset()
        del self._row_names[self._rows.fixed :]
        self._words.clear()
        self._stem_ids.clear()

    def _add_row(self, mixed: Sequence[float], model: Sequence[float], name: str) -> int:
        self._row_names.append(name)
        return self._rows.add(mixed, model)

    def _prepare_reasons(self, w: Weights) -> None:
        """Precompute the fixed parts of reasons: per-label heads and prior lines."""
        self._dimension_of = [d for d in DIMENSIONS for _ in LABELS[d]]
        self._prior_reason: dict[str, list[str | None]] = {}
        for channel, prior in self._priors.items():
            lines: list[str | None] = [None] * SIZE
            for i, value in enumerate(prior):
                if value and w.channel_prior:
                    amount = value * w.channel_prior
                    lines[i] = f"{self._dimension_of[i]} channel prior '{channel}' +{amount:.1f}"
            self._prior_reason[channel] = lines

    def _bigram_vector(self, pair: tuple[str, str], scale: float) -> Vector | None:
        pairs = self.model.weights.get(f"b:{pair[0]} {pair[1]}")
        if not pairs:
            return None
        vector = [0.0] * SIZE
        for index, weight in pairs:
            vector[index] += scale * weight
        return tuple(vector)

    def _analyse_word(self, word: str) -> _Word:
        """Stem, rule hits and score rows of one word (cached per word by ``_words``)."""
        stem = self.stemmer.stem(word)
        hits = self.matcher.word_hits(word, stem)
        model = [m * v for m, v in zip(self._wm, self.model.stem_vector(stem), strict=True)]
        mixed = list(model)
        entries = self.matcher.entries
        for hit in hits:
            entry = entries[hit.entry]
            amount = entry.weight * hit.multiplier
            for i, v in enumerate(self._columns[entry.index]):
                mixed[i] += amount * v
        stem_id = self._fixed_stem_ids.get(stem)
        if stem_id is None:
            next_id = len(self._fixed_stem_ids) + len(self._stem_ids)
            stem_id = self._stem_ids.setdefault(stem, next_id)
        return _Word(stem, self._add_row(mixed, model, word), self._rule_hits(hits), stem_id)

    def _rule_hits(self, hits: Iterable[Hit]) -> tuple[_RuleHit, ...]:
        entries = self.matcher.entries
        return tuple(
            (entries[h.entry].index, entries[h.entry].rule, h.matched,
             entries[h.entry].weight * h.multiplier * self._own[entries[h.entry].index])
            for h in hits
        )  # fmt: skip

    def _check_channel(self, channel: str) -> None:
        if channel not in _CHANNELS:
            raise SamenspelError(
                f"unknown channel {channel!r} (known: {', '.join(sorted(_CHANNELS))})"
            )

    def _decode_fast(self, score: list[float]) -> Decision:
        """:meth:`_decode` for the rules file's weights when labels are chosen independently.

        Only the winners' probabilities are computed (the rest of ``prob`` stays 0): that is all
        the tags need, and it saves most of the softmax work.
        """
        prob = [0.0] * SIZE
        winners = []
        exp = math.exp
        for start, end, temperature in self._spans:
            part = score[start:end]
            top = max(part)
            index = start + part.index(top)
            prob[index] = 1.0 / sum([exp((v - top) / temperature) for v in part])
            winners.append(index)
        return Decision(score, prob, (winners[0], winners[1], winners[2]))

    def _words_of(self, text: str, channel: str, subject: str | None) -> tuple[int, list[str]]:
        """The row of the channel's bias and prior, and the message's words."""
        base = self._start_message(channel)
        return base, tokenise(f"{subject}. {text}" if subject else text)

    def _start_message(self, channel: str) -> int:
        """The row of the channel's bias and prior (an unknown channel is an error); first, if the
        row table is full, every word's row is forgotten: between messages, no index of a dropped
        row is held."""
        base = self._base.get(channel)
        if base is None:
            self._check_channel(channel)
            raise AssertionError  # unreachable: every known channel has a base vector
        if self._rows.full():
            self._forget_words()
        return base

    def _fast(self, text: str, channel: str, subject: str | None) -> _Scored:
        """Decision, model rows (distinct words, then bigrams), first word of each stem, phrases."""
        base, words = self._words_of(text, channel, subject)
        infos = list(map(self._words.__getitem__, words))
        stems = list(map(_STEM, infos))
        seen: set[str] = set()
        add = seen.add
        # the first word of each stem counts, as in Matcher.hits
        distinct = [info for info in infos if not (info.stem in seen or add(info.stem))]
        rows = [info.row for info in distinct]
        pairs = set(pairwise(stems))
        found = pairs & self._bigram_keys  # a set & a set iterates the smaller one
        if found:
            rows.extend(map(self._bigram_rows.__getitem__, sorted(found)))
        mixed_rows = [*rows, base]
        phrases: list[Hit] = []
        if not pairs.isdisjoint(self._phrase_starts):
            phrases = self.matcher.phrase_hits(words, stems)
            mixed_rows.extend([self._phrase_rows[hit.entry] for hit in phrases])
        score: list[float] = self._rows.mixed.take(mixed_rows, axis=0).sum(axis=0).tolist()
        if self._independent:
            decision = self._decode_fast(score)
        else:
            decision = self._decode(score, self.rules.weights)
        return _Scored(decision, rows, distinct, phrases, words, stems)

    def tag(self, text: str, *, channel: str, subject: str | None = None) -> Tags:
        """Tag one message whose identifiers are already replaced by placeholders.

        Thread-safe: the word cache, its row table and the compiled core's buffers are shared
        state, so one message is tagged at a time (uncontended, the lock costs ~0.1 µs).
        """
        with self._lock:
            if self._native is not None:
                base = self._start_message(channel)
                first, second, third, confidence, reasons, has_words = self._native.tag(
                    text, subject, base, self._prior_reason[channel]
                )
            else:
                first, second, third, confidence, reasons, has_words = self._tag_in_python(
                    text, channel, subject
                )
        return construct(
            Tags,
            {
                "perspective": self._perspectives[first],
                "citizen_role": self._citizen_roles[second - _CITIZEN],
                "municipality_role": self._municipality_roles[third - _MUNICIPALITY],
                "confidence": confidence,
                "reasons": reasons,
                # no words (empty, only emoji or punctuation): the labels are the channel's prior
                "needs_review": confidence < self.review_threshold or not has_words,
                "tagger_version": self.version,
            },
        )

    def _tag_in_python(
        self, text: str, channel: str, subject: str | None
    ) -> tuple[int, int, int, float, list[str], bool]:
        """What the compiled core's ``tag`` returns, computed by the Python fast path."""
        decision, rows, distinct, phrases, words, stems = self._fast(text, channel, subject)
        hits: list[_RuleHit] = [hit for info in distinct if info.hits for hit in info.hits]
        if phrases:
            hits.extend(self._rule_hits(phrases))
        shares = self._model_shares(rows, decision, words, stems)
        reasons = self._reasons(channel, hits, shares, decision)
        first, second, third = decision.winners
        return first, second, third, decision.confidence, reasons, bool(distinct)

    def _model_shares(
        self,
        rows: list[int],
        decision: Decision,
        words: Sequence[str] = (),
        stems: Sequence[str] = (),
    ) -> list[list[tuple[str, float]]]:
        """Per winning label: its three largest model contributions (name, value), largest first.

        Only contributions towards the label are named (a reason says why, not why not); of equal
        values the earlier row is named first (a stable sort); values under ``_MIN_SHOWN`` are
        left out.
        """
        if not rows:
            return [[], [], []]
        table = self._rows
        winners = decision.winners
        shares = table.model.take(rows, axis=0).take(winners, axis=1)
        order = (-shares).argsort(axis=0, kind="stable")[:3].T.tolist()
        values = shares.T.tolist()
        names, bigram_of_row = self._row_names, self._bigram_of_row
        out: list[list[tuple[str, float]]] = []
        for ranked, column in zip(order, values, strict=True):
            shown = []
            for k in ranked:
                value = column[k]
                if not value >= _MIN_SHOWN:
                    break
                row = rows[k]
                pair = bigram_of_row.get(row)
                name = names[row] if pair is None else _pair_words(pair, words, stems)
                shown.append((name, value))
            out.append(shown)
        return out

    # -- reasons ----------------------------------------------------------------------------

    def _reasons(
        self,
        channel: str,
        hits: Iterable[_RuleHit],
        shares: Sequence[Sequence[tuple[str, float]]],
        decision: Decision,
    ) -> list[str]:
        """Per dimension: the label and its probability, top rules and words, prior, model words.

        ``shares`` holds, per winning label, the model contributions to name (largest first).
        """
        winners = decision.winners
        by_rule: dict[tuple[int, str], list[str]] = {}
        rule_total: dict[tuple[int, str], float] = {}
        for index, rule, matched, amount in hits:
            if index in winners:
                key = (index, rule)
                if key in by_rule:
                    by_rule[key].append(matched)
                    rule_total[key] += amount
                else:
                    by_rule[key] = [matched]
                    rule_total[key] = amount
        prior_reason = self._prior_reason[channel]
        prob = decision.prob
        out: list[str] = []
        for index, shown in zip(winners, shares, strict=True):
            dimension = self._dimension_of[index]
            out.append(f"{self._heads[index]} (p={prob[index]:.2f})")
            if by_rule:
                keys = [k for k in by_rule if k[0] == index]
                if len(keys) > 1:
                    keys.sort(key=rule_total.__getitem__, reverse=True)
                for key in keys[:3]:
                    words = "', '".join(by_rule[key][:6])
                    out.append(f"{dimension} rule '{key[1]}': '{words}' {rule_total[key]:+.1f}")
            prior = prior_reason[index]
            if prior is not None:
                out.append(prior)
            if shown:
                named = ", ".join([f"'{name}' {value:+.1f}" for name, value in shown])
                out.append(f"{dimension} model: {named}")
        return [r if len(r) <= _MAX_REASON else r[: _MAX_REASON - 1] + "…" for r in out][
            : limits.MAX_REASONS
        ]


class _WordCache(dict[str, _Word]):
    """Word → its analysis, computed on first use by ``analyse`` (a dict lookup when cached)."""

    def __init__(self, analyse: Callable[[str], _Word]) -> None:
        super().__init__()
        self._analyse = analyse
        self.misses = 0

    def __missing__(self, word: str) -> _Word:
        self.misses += 1
        info = self._analyse(word)
        self[word] = info
        return info


def _top_shares(names: Sequence[str], values: Sequence[float]) -> list[tuple[str, float]]:
    """The three largest contributions towards a label, earliest first among equals (reference)."""
    ranked = sorted(range(len(values)), key=values.__getitem__, reverse=True)
    return [(names[k], values[k]) for k in ranked[:3] if values[k] >= _MIN_SHOWN]
