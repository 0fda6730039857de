"""Recall and precision of identifier masking over a labelled corpus of Dutch and English notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.privacy import mask_text

DATA = Path(__file__).parent / "data" / "sentences.jsonl"


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
