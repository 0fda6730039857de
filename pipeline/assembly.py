"""Builds the processing chain from settings: the one place where tagger, key and limits meet."""

from __future__ import annotations

from pipeline.chain import Chain
from pipeline.privacy import Pseudonymiser
from pipeline.settings import Settings
from pipeline.tagging import Tagger


def build_chain(settings: Settings, pseudonymiser: Pseudonymiser | None = None) -> Chain:
    """Chain for the worker (and, with an explicit pseudonymiser, for ``samenspel tag``).

    Without an explicit pseudonymiser the configured key is required: the worker refuses to start
    without one, so that no party identifier can pass unkeyed.
    """
    tagger = Tagger.load(settings.rules_file, review_threshold=settings.review_threshold)
    return Chain(
        tagger,
        pseudonymiser or Pseudonymiser.from_settings(settings),
        max_event_bytes=settings.max_event_bytes,
    )
