"""structlog processor that removes citizen identifiers from every log line.

Logs are shipped to systems with wider access and longer retention than Kafka, so a BSN or
phone number that slips into an exception message must be masked before rendering.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from pipeline.privacy.masking import mask_text

_UNTOUCHED_KEYS = frozenset({"timestamp", "level", "logger"})


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value).text
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(item) for item in value)
    if isinstance(value, BaseException):
        return mask_text(repr(value)).text
    return value


def scrub_identifiers(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask identifiers in every value of the event dict except timestamp, level and logger."""
    for key, value in event_dict.items():
        if key not in _UNTOUCHED_KEYS:
            event_dict[key] = _scrub(value)
    return event_dict
