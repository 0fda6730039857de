"""Tagging interactions with the taxonomy: rules as data plus a small linear model.

Pure logic: no Kafka, no faust. ``Tagger.load()`` once, then ``tagger.tag(text, channel=...)``.
"""

from pipeline.tagging.evaluate import Report, evaluate, evaluate_file
from pipeline.tagging.tagger import Tagger

__all__ = ["Report", "Tagger", "evaluate", "evaluate_file"]
