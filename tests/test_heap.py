"""The garbage collector's settings for long-running processes (pipeline/heap.py)."""

from __future__ import annotations

import gc

from pipeline import heap


def test_settled_freezes_raises_the_young_threshold_and_restores_both_after() -> None:
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    kept = [object() for _ in range(10)]
    with heap.settled():
        assert gc.get_threshold()[0] == heap.YOUNG_GENERATION_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen_before
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert kept
