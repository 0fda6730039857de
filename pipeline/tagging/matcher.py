"""Lexicon matching compiled to dictionaries: whole words, parts of compounds and phrases.

Everything is precomputed at load and the result per distinct word is cached, so tagging a message
costs a few dictionary lookups per word and no regular expression per lexicon entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from pipeline.tagging.labels import DIMENSIONS, flat_index
from pipeline.tagging.rules import RulesFile
from pipeline.tagging.text import Stemmer, tokenise

_MAX_CACHE = 200_000
WHOLE = 1.0
"""Multiplier for a hit on a whole word (compound parts and phrases have their own)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: a word or phrase of a rule, pointing to one label."""

    dimension: str
    rule: str
    label: str
    index: int
    weight: float
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon entry found in a message, with the word that matched and the hit's multiplier."""

    entry: int
    multiplier: float
    matched: str


class Matcher:
    """Finds the lexicon entries of a rules file in tokenised text."""

    def __init__(self, rules: RulesFile, stemmer: Stemmer) -> None:
        self._stemmer = stemmer
        self._min_part = rules.matching.min_infix_stem
        self._min_rest = rules.matching.min_compound_rest
        self._compound = rules.weights.compound
        self._phrase = rules.weights.phrase
        self._exceptions = {w for e in rules.matching.compound_exceptions for w in tokenise(e)}
        self.entries: list[Entry] = []
        self._words: dict[str, list[int]] = {}
        self._prefixes: dict[str, list[int]] = {}
        self._suffixes: dict[str, list[int]] = {}
        self._phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], int]]] = {}
        self._cache: dict[str, tuple[Hit, ...]] = {}
        self._seen: set[tuple[str, str, tuple[str, ...]]] = set()
        for dimension in DIMENSIONS:
            for name, rule in rules.rules(dimension).items():
                index = flat_index(dimension, rule.label)
                for text in [*rule.words, *rule.english]:
                    self._add(Entry(dimension, name, rule.label, index, rule.weight, text), False)
                for text in rule.phrases:
                    self._add(Entry(dimension, name, rule.label, index, rule.weight, text), True)

    def _add(self, entry: Entry, phrase: bool) -> None:
        words = tokenise(entry.text)
        if not words:
            return
        stems = tuple(self._stemmer.stems(words))
        seen_key = (entry.dimension, entry.rule, stems)
        if seen_key in self._seen:
            return
        self._seen.add(seen_key)
        entry_id = len(self.entries)
        self.entries.append(entry)
        if len(words) > 1:
            self._phrases.setdefault((stems[0], stems[1]), []).append((stems, entry_id))
            return
        word, stem = words[0], stems[0]
        for key in {word, stem}:
            self._words.setdefault(key, []).append(entry_id)
            if len(key) >= self._min_part:
                self._prefixes.setdefault(key, []).append(entry_id)
        if len(stem) >= self._min_part:
            self._suffixes.setdefault(stem, []).append(entry_id)

    def _word_hits(self, word: str, stem: str) -> tuple[Hit, ...]:
        """Hits of one word: the whole word, else the longest known head and tail of a compound."""
        whole = self._words.get(word) or self._words.get(stem)
        if whole:
            return tuple(Hit(e, WHOLE, word) for e in whole)
        if word in self._exceptions or len(word) < self._min_part + self._min_rest:
            return ()
        hits: list[Hit] = []
        for end in range(len(word) - self._min_rest, self._min_part - 1, -1):
            found = self._prefixes.get(word[:end])
            if found:
                hits.extend(Hit(e, self._compound, f"{word} ({word[:end]}-)") for e in found)
                break
        for start in range(self._min_rest, len(stem) - self._min_part + 1):
            found = self._suffixes.get(stem[start:])
            if found:
                hits.extend(Hit(e, self._compound, f"{word} (-{stem[start:]})") for e in found)
                break
        return tuple(hits)

    def word_hits(self, word: str, stem: str) -> tuple[Hit, ...]:
        """Hits of one word (cached per word)."""
        word_hits = self._cache.get(word)
        if word_hits is None:
            word_hits = self._word_hits(word, stem)
            if len(self._cache) >= _MAX_CACHE:
                self._cache.clear()
            self._cache[word] = word_hits
        return word_hits

    def hits(self, words: list[str], stems: list[str]) -> list[Hit]:
        """Entries found in a message: each distinct stem counts once, phrases on top."""
        found: list[Hit] = []
        seen: set[str] = set()
        for word, stem in zip(words, stems, strict=True):
            if stem in seen:
                continue
            seen.add(stem)
            found.extend(self.word_hits(word, stem))
        found.extend(self.phrase_hits(words, stems))
        return found

    @property
    def phrase_multiplier(self) -> float:
        """The multiplier of every phrase hit."""
        return self._phrase

    def phrases(self) -> dict[tuple[str, str], list[tuple[tuple[str, ...], int]]]:
        """Every phrase's stems and entry, by its first two stems (in the order matched)."""
        return {start: list(found) for start, found in self._phrases.items()}

    def phrase_starts(self) -> list[tuple[str, str]]:
        """The first two stems of every phrase: a message without any of them has no phrase."""
        return list(self._phrases)

    def phrase_hits(self, words: list[str], stems: list[str]) -> list[Hit]:
        """Phrases (several words in order) found in a message, each once."""
        found: list[Hit] = []
        phrases = self._phrases
        done: set[int] = set()
        for position, pair in enumerate(pairwise(stems)):
            candidates = phrases.get(pair)
            if candidates:
                for phrase, entry_id in candidates:
                    end = position + len(phrase)
                    if entry_id not in done and (
                        len(phrase) == 2 or tuple(stems[position:end]) == phrase
                    ):
                        done.add(entry_id)
                        found.append(Hit(entry_id, self._phrase, " ".join(words[position:end])))
        return found
