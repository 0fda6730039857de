"""Type stub of the compiled scoring core (pipeline/tagging/_native.pyx)."""

from collections.abc import Callable
from typing import Any

ABI: int

class Scorer:
    def __init__(self, **tables: Any) -> None: ...
    def tag(
        self, words: list[str], base: int, prior_lines: list[str | None]
    ) -> tuple[int, int, int, float, list[str], bool]: ...

def scan_words(lowered: str) -> list[str]: ...
def tokenise(text: str, normalise: Callable[[str], str]) -> list[str]: ...
