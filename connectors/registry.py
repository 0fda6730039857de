"""Find installed connectors through the ``samenspel.connectors`` entry-point group.

Entry points let a municipality ship its own connector as a separate package without touching
samenspel; the runtime, the webhook receiver and the conformance suite all look connectors up here.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from connectors.contract import Connector, WebhookConnector
from pipeline.errors import SamenspelError

GROUP = "samenspel.connectors"

ConnectorClass = type[Connector[Any]] | type[WebhookConnector[Any]]


def load_connectors() -> dict[str, ConnectorClass]:
    """Every registered connector class by name; a broken plugin is a SamenspelError naming it."""
    found: dict[str, ConnectorClass] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            loaded = entry.load()
        except Exception as exc:
            raise SamenspelError(
                f"connector plugin {entry.name!r} ({entry.value}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        check_connector_class(entry.name, loaded)
        found[entry.name] = loaded
    return found


def check_connector_class(name: str, loaded: object) -> None:
    """Refuse a plugin that is no connector class or whose declared name differs from its entry."""
    if not isinstance(loaded, type) or not issubclass(loaded, Connector | WebhookConnector):
        raise SamenspelError(
            f"connector plugin {name!r} is not a Connector or WebhookConnector class"
        )
    for attribute in ("name", "channel", "config_model", "description"):
        if not hasattr(loaded, attribute):
            raise SamenspelError(f"connector plugin {name!r} does not declare {attribute!r}")
    if loaded.name != name:
        raise SamenspelError(
            f"connector plugin {name!r} declares name {loaded.name!r}; the entry point must match"
        )


def get_connector(name: str) -> ConnectorClass:
    """The connector class registered as ``name``, or a SamenspelError listing the known names."""
    known = load_connectors()
    if name not in known:
        listed = ", ".join(known) or "none installed"
        raise SamenspelError(f"unknown connector {name!r} (known: {listed})")
    return known[name]
