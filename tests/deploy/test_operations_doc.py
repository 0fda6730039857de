"""docs/operations.md stays complete: every setting, every metric and every alert is described."""

from __future__ import annotations

import re

import yaml

from pipeline.connect import metrics as connect_metrics
from pipeline.settings import Settings
from pipeline.worker import metrics as worker_metrics
from tests.deploy.deploy_helpers import DEPLOY, REPO, settings_env_names

DOC = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")


def _table_rows(heading: str) -> dict[str, list[str]]:
    """First-column code name -> the other cells, for the tables under one ``##`` heading."""
    section = DOC.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        match = re.match(r"^\| `([^`]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_settings_table_lists_every_field_with_its_default() -> None:
    """One row per Settings field; a scalar default is written as it is in the code."""
    rows = _table_rows("Settings")
    assert set(rows) == settings_env_names()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        name = alias if isinstance(alias, str) else f"SAMENSPEL_{field.upper()}"
        if info.default is not None:
            assert f"`{info.default}`" in rows[name][0], (name, rows[name][0])


def test_metrics_table_lists_every_metric() -> None:
    """Every metric of the worker and connector registries is explained, under its exposed name."""
    rows = {name.split("{")[0] for name in _table_rows("Metrics and alerts")}
    for registry in (worker_metrics.REGISTRY, connect_metrics.REGISTRY):
        for family in registry.collect():
            exposed = family.name + ("_total" if family.type == "counter" else "")
            assert exposed in rows, exposed


def test_every_alert_is_explained() -> None:
    """Each alert of deploy/prometheus/alerts.yaml has a row in the alerts table."""
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text(encoding="utf-8"))
    section = DOC.split("\n## Metrics and alerts\n", 1)[1].split("\n## ", 1)[0]
    for group in alerts["groups"]:
        for rule in group["rules"]:
            short = rule["alert"].removeprefix("SamenspelConnector")
            assert f"`{rule['alert']}`" in section or f"`…{short}`" in section, rule["alert"]
