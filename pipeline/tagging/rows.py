"""Score vectors of words, model bigrams and phrases as rows of two growing numpy matrices.

Tagging a message sums one row per distinct word (plus its bigrams and phrases): one numpy
gather-and-sum replaces a Python loop over every label of every word, which is what made the
tagger slow. Rows of fixed features (bigrams, phrases) are added once at load; word rows are added
the first time a word is seen, and dropped all together when the table is full, so that a stream
of random tokens cannot grow memory without bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]


class RowTable:
    """Pairs of rows (mixed score, model share) with a fixed head and a bounded, resettable tail.

    ``full`` is advisory: rows added past ``max_rows`` still fit (the matrices grow), so that a
    caller can finish a message with the indexes it holds and reset between messages.
    """

    def __init__(self, width: int, *, max_rows: int = 100_000, initial: int = 4096) -> None:
        self.width = width
        self.max_rows = max_rows
        self._capacity = initial
        self.mixed: Matrix = np.zeros((initial, width))
        self.model: Matrix = np.zeros((initial, width))
        self.size = 0
        self.fixed = 0
        self.resets = 0

    def add(self, mixed: Sequence[float], model: Sequence[float]) -> int:
        """Append one pair of rows and return its index."""
        if self.size == self._capacity:
            self._grow()
        index = self.size
        self.mixed[index] = mixed
        self.model[index] = model
        self.size += 1
        return index

    def freeze_head(self) -> None:
        """Mark every row added so far as fixed: :meth:`reset` keeps them."""
        self.fixed = self.size

    def full(self) -> bool:
        """True when no more word rows should be added before a reset."""
        return self.size >= self.max_rows

    def reset(self) -> None:
        """Drop every row after the fixed head (callers drop their indexes of those rows too)."""
        self.size = self.fixed
        self.resets += 1

    def _grow(self) -> None:
        capacity = self._capacity * 2
        for name in ("mixed", "model"):
            old: Matrix = getattr(self, name)
            new: Matrix = np.zeros((capacity, self.width))
            new[: self._capacity] = old
            setattr(self, name, new)
        self._capacity = capacity
