"""The compiled scoring core, when it was built (``pipeline/tagging/_native.pyx``).

Building it needs a C compiler at install time; without one, or with
``SAMENSPEL_TAGGER_CORE=python`` set, ``Scorer`` is None and the tagger uses its Python fast path,
which gives the same tags 4–6 times slower. A build from older source (a different
``ABI``) is not used either.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.tagging._native import Scorer as _Scorer

ABI = 7
"""The argument layout of ``_native.Scorer`` this code passes; must equal the module's."""

Scorer: type[_Scorer] | None = None
tokenise: Callable[[str, Callable[[str], str]], list[str]] | None = None
why_not = "disabled by SAMENSPEL_TAGGER_CORE=python"
if os.environ.get("SAMENSPEL_TAGGER_CORE", "").strip().lower() != "python":
    try:
        from pipeline.tagging import _native
    except ImportError:
        why_not = "not compiled (no C compiler at install time?)"
    else:
        if getattr(_native, "ABI", None) == ABI:
            Scorer = _native.Scorer
            tokenise = _native.tokenise
            why_not = ""
        else:
            why_not = "compiled from older source; reinstall to rebuild it"


def describe() -> str:
    """Which core tags, for benchmarks and ``samenspel`` diagnostics."""
    return "compiled" if Scorer is not None else f"python ({why_not})"
