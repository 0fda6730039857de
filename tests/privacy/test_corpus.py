"""Recall and precision of identifier masking over a labelled corpus of Dutch and English notes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeline.privacy import mask_text

DATA = Path(__file__).parent / "data" / "sentences.jsonl"
SEPARATORS = re.compile(r"[\s.()/\u2010-\u2014\u2212-]")


def _load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def _score() -> tuple[int, int, int, int, list[str]]:
    """Identifiers removed / total, kept substrings / total, and a description of every miss."""
    removed = total_ids = kept = total_keep = 0
    misses: list[str] = []
    for row in _load():
        masked = mask_text(row["text"]).text
        for ident in row["identifiers"]:
            total_ids += 1
            if ident["value"] in masked:
                misses.append(f"LEAK {ident['kind']} {ident['value']!r} in {masked!r}")
            else:
                removed += 1
        for keep in row["keep"]:
            total_keep += 1
            if keep in masked:
                kept += 1
            else:
                misses.append(f"LOST {keep!r} in {masked!r}")
    return removed, total_ids, kept, total_keep, misses


def test_corpus_is_big_enough_and_mixed() -> None:
    """The corpus has at least 200 sentences, with and without identifiers."""
    rows = _load()
    kinds = {ident["kind"] for row in rows for ident in row["identifiers"]}
    assert len(rows) >= 200
    assert sum(1 for row in rows if not row["identifiers"]) >= 60
    assert kinds >= {"bsn", "phone", "email", "iban", "address", "postcode"}


def test_recall_is_complete_and_precision_high() -> None:
    """Every labelled identifier disappears and at least 95% of the must-keep substrings survive."""
    removed, total_ids, kept, total_keep, misses = _score()
    recall = removed / total_ids
    precision = kept / total_keep
    print(
        f"\nmasking recall {recall:.3f} ({removed}/{total_ids}), "
        f"keep-rate {precision:.3f} ({kept}/{total_keep})"
    )
    for miss in misses:
        print("  " + miss)
    assert recall == 1.0, [m for m in misses if m.startswith("LEAK")]
    assert precision >= 0.95


def test_sentences_without_identifiers_mostly_unchanged() -> None:
    """At least 95% of the sentences without identifiers come back exactly as they went in."""
    clean = [row["text"] for row in _load() if not row["identifiers"]]
    unchanged = sum(1 for text in clean if mask_text(text).text == text)
    print(f"\nunchanged clean sentences {unchanged}/{len(clean)}")
    assert unchanged / len(clean) >= 0.95


def test_identifiers_masked_as_their_kind_and_clean_sentences_untouched() -> None:
    """An identifier counts as its own kind (an IBAN half-masked as a phone number leaves its bank
    code behind), the digits of a BSN, phone number or IBAN survive in no spelling, and nothing
    is masked in a sentence without identifiers."""
    problems: list[str] = []
    for row in _load():
        result = mask_text(row["text"])
        kinds = {ident["kind"] for ident in row["identifiers"]}
        wanted = {
            "address" if kind == "postcode" and "address" in kinds else kind for kind in kinds
        }
        problems += [
            f"{kind} not counted in {row['text']!r}: {dict(result.found)}"
            for kind in wanted
            if not result.found.get(kind)
        ]
        bare = SEPARATORS.sub("", result.text)
        for ident in row["identifiers"]:
            digits = re.sub(r"\D", "", ident["value"])
            if ident["kind"] in {"bsn", "phone", "iban"} and len(digits) >= 8 and digits in bare:
                problems.append(f"digits of {ident['value']!r} left in {result.text!r}")
        if not row["identifiers"] and result.found:
            problems.append(f"masked {dict(result.found)} in {row['text']!r}")
    assert not problems, problems
