"""Exponential backoff with jitter, so that many connectors do not retry a source in lockstep."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delays that double per failed attempt up to ``cap``; ``reset`` after a success.

    "Equal jitter": the delay is between half and all of the exponential step, so it still grows
    with every attempt while two connectors that failed together spread out.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.factor < 1 or self.cap < self.base:
            raise ValueError("backoff needs base > 0, factor >= 1 and cap >= base")

    def ceiling(self, attempt: int) -> float:
        """The un-jittered delay of ``attempt`` (0-based), capped."""
        # Cap the exponent too: factor ** 1000 would overflow a float.
        return min(self.cap, self.base * self.factor ** min(attempt, 64))

    def next_delay(self, hint: float | None = None) -> float:
        """Delay before the next attempt; a source's own hint (Retry-After) wins, capped."""
        step = self.ceiling(self.attempt)
        self.attempt += 1
        if hint is not None and hint >= 0:
            return min(self.cap, hint)
        return step / 2 + self.rng.uniform(0, step / 2)

    def reset(self) -> None:
        """Start from the base delay again (after a record got through)."""
        self.attempt = 0
