"""Connector configuration: a YAML file, overridden by environment variables, checked by the model.

Secrets belong in the environment (``SAMENSPEL_CONNECTOR_<FIELD>``,
``SAMENSPEL_WEBHOOK_SECRET_<NAME>``) so that the YAML file can be committed to a repository.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_origin

import orjson
import yaml
from pydantic import ValidationError

from connectors.contract import ConnectorConfig
from pipeline.errors import SamenspelError

CONNECTOR_ENV_PREFIX = "SAMENSPEL_CONNECTOR_"
WEBHOOK_SECRET_ENV_PREFIX = "SAMENSPEL_WEBHOOK_SECRET_"


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The top-level mapping of a YAML file; an empty file is an empty mapping."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SamenspelError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SamenspelError(f"config {path} is not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SamenspelError(f"config {path}{where} is not valid YAML") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SamenspelError(f"config {path} must be a mapping of field: value")
    return {str(key): value for key, value in loaded.items()}


def _env_value(raw: str, annotation: Any) -> Any:
    """A JSON list or object stays structured; for a list field ``a,b`` is a list too; anything
    else is a string pydantic may convert."""
    if raw[:1] in ("[", "{"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def env_overrides(
    model: type[ConnectorConfig], env: Mapping[str, str], prefix: str = CONNECTOR_ENV_PREFIX
) -> dict[str, Any]:
    """Fields of ``model`` set in ``env`` as ``<prefix><FIELD>`` (upper case)."""
    found: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        for candidate in (name, field.alias):
            if candidate and f"{prefix}{candidate.upper()}" in env:
                found[candidate] = _env_value(env[f"{prefix}{candidate.upper()}"], field.annotation)
                break
    return found


def validate_config(
    model: type[ConnectorConfig], values: Mapping[str, Any], what: str
) -> ConnectorConfig:
    """Validate against the connector's model; the first problem becomes one readable line."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        problems = exc.errors()
        first = problems[0]
        field = ".".join(str(part) for part in first["loc"]) or "config"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SamenspelError(f"bad config for {what}: {field}: {first['msg']}{more}") from None


def load_connector_config(
    name: str,
    model: type[ConnectorConfig],
    path: Path | None,
    env: Mapping[str, str] | None = None,
) -> ConnectorConfig:
    """Config of one polling connector: YAML fields, then ``SAMENSPEL_CONNECTOR_<FIELD>``."""
    values = read_yaml_mapping(path) if path is not None else {}
    values.update(env_overrides(model, os.environ if env is None else env))
    return validate_config(model, values, f"connector {name!r}")


def webhook_secret_env(name: str) -> str:
    """``SAMENSPEL_WEBHOOK_SECRET_<NAME>``: upper case, dashes and dots as underscores."""
    return WEBHOOK_SECRET_ENV_PREFIX + name.upper().replace("-", "_").replace(".", "_")


def load_webhook_configs(
    models: Mapping[str, type[ConnectorConfig]],
    path: Path | None,
    env: Mapping[str, str] | None = None,
) -> dict[str, ConnectorConfig]:
    """Configs of the webhook connectors named in the file or given a secret in the environment.

    ``models`` maps every installed webhook connector to its config model. A connector with
    neither a file section nor a secret is not served; naming an unknown connector is an error.
    """
    environ = os.environ if env is None else env
    sections = read_yaml_mapping(path) if path is not None else {}
    unknown = sorted(set(sections) - set(models))
    if unknown:
        known = ", ".join(sorted(models)) or "none installed"
        raise SamenspelError(
            f"config names unknown webhook connector {unknown[0]!r} (known: {known})"
        )
    configs: dict[str, ConnectorConfig] = {}
    for name, model in models.items():
        secret = environ.get(webhook_secret_env(name))
        if name not in sections and secret is None:
            continue
        section = sections.get(name) or {}
        if not isinstance(section, dict):
            raise SamenspelError(f"config section {name!r} must be a mapping of field: value")
        values = dict(section)
        if secret is not None:
            values["secret"] = secret
        configs[name] = validate_config(model, values, f"webhook connector {name!r}")
    return configs
