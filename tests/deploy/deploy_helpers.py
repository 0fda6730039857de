"""What the deployment tests compare the manifests with: the settings, connectors and CLI."""

from __future__ import annotations

from pathlib import Path

from connectors.contract import WebhookConnector
from connectors.registry import load_connectors
from pipeline.cli import build_parser
from pipeline.connect.config import CONNECTOR_ENV_PREFIX, webhook_secret_env
from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def settings_env_names() -> set[str]:
    """The environment variable of every Settings field (the prefix, or the field's alias)."""
    names = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else f"SAMENSPEL_{field.upper()}")
    return names


def webhook_secret_names() -> set[str]:
    """``SAMENSPEL_WEBHOOK_SECRET_<NAME>`` of every installed webhook connector."""
    return {
        webhook_secret_env(name)
        for name, cls in load_connectors().items()
        if issubclass(cls, WebhookConnector)
    }


def connector_env_names(connector: str) -> set[str]:
    """``SAMENSPEL_CONNECTOR_<FIELD>`` of every config field of one connector."""
    model = load_connectors()[connector].config_model
    return {f"{CONNECTOR_ENV_PREFIX}{field.upper()}" for field in model.model_fields}


def unknown_env_names(names: set[str], connector: str | None = None) -> set[str]:
    """The names that no setting, webhook connector or (given) connector field reads."""
    known = settings_env_names() | webhook_secret_names()
    if connector is not None:
        known |= connector_env_names(connector)
    return names - known


def parse_command(argv: list[str]) -> str:
    """Parse a container command with the real CLI parser; the sub-command's name."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit:
        raise AssertionError(
            f"{argv} is not a samenspel command line (is its module in COMMAND_MODULES?)"
        ) from None
    assert callable(args.func), f"{argv} selects no command"
    return str(args.command)
