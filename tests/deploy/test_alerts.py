"""deploy/prometheus/alerts.yaml: the rule-file structure, valid PromQL, and only real metrics."""

from __future__ import annotations

from typing import Any

import jsonschema
import promql_parser
import pytest
import yaml
from prometheus_client import CollectorRegistry

from pipeline.connect import metrics as connect_metrics
from pipeline.worker import metrics as worker_metrics
from tests.deploy.deploy_helpers import DEPLOY

ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
DURATION = r"^([0-9]+(ms|s|m|h|d|w|y))+$"
# Prometheus's rule-file format (prometheus/model/rulefmt), reduced to what alerting rules use.
RULE_FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["groups"],
    "properties": {
        "groups": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "rules"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "interval": {"type": "string", "pattern": DURATION},
                    "limit": {"type": "integer", "minimum": 0},
                    "rules": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["alert", "expr", "for", "labels", "annotations"],
                            "properties": {
                                "alert": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                                "expr": {"type": "string", "minLength": 1},
                                "for": {"type": "string", "pattern": DURATION},
                                "keep_firing_for": {"type": "string", "pattern": DURATION},
                                "labels": {
                                    "type": "object",
                                    "required": ["severity"],
                                    "properties": {
                                        "severity": {"enum": ["critical", "warning", "info"]}
                                    },
                                    "additionalProperties": {"type": "string"},
                                },
                                "annotations": {
                                    "type": "object",
                                    "required": ["summary", "description"],
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}
# Series that Prometheus itself (up) or kube-state-metrics (kube_*) produce, not samenspel.
EXTERNAL = {
    "up",
    "kube_deployment_status_replicas_ready",
    "kube_deployment_spec_replicas",
}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
}


def exposed_names(registry: CollectorRegistry) -> set[str]:
    """The series names a registry's metrics appear under on /metrics (with type suffixes)."""
    return {
        family.name + suffix for family in registry.collect() for suffix in SUFFIXES[family.type]
    }


def selectors(expr: str) -> set[str]:
    """The metric names an expression selects; a syntax error raises ValueError."""
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    jsonschema.validate(document, RULE_FILE_SCHEMA)
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_rule_file_structure(rules: list[dict[str, Any]]) -> None:
    """groups → rules with alert, expr, for, labels (severity) and annotations; unique names."""
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))


def test_schema_rejects_a_rule_without_expr() -> None:
    """The schema is strict enough to catch a broken rule."""
    broken = {"groups": [{"name": "g", "rules": [{"alert": "A", "for": "5m"}]}]}
    with pytest.raises(jsonschema.ValidationError, match="expr"):
        jsonschema.validate(broken, RULE_FILE_SCHEMA)


def test_every_metric_exists_in_the_code(rules: list[dict[str, Any]]) -> None:
    """Each selected series is one the worker or connector registries expose, or an external one."""
    known = exposed_names(worker_metrics.REGISTRY) | exposed_names(connect_metrics.REGISTRY)
    used: set[str] = set()
    for rule in rules:
        names = selectors(rule["expr"])
        assert names, rule["alert"]
        assert not names - known - EXTERNAL, (rule["alert"], names - known - EXTERNAL)
        used |= names
    # the alerts named in the brief, by the metric each one watches
    for needed in (
        "samenspel_consumer_lag",
        "samenspel_dead_letters_total",
        "samenspel_publish_retries_total",
        "samenspel_events_out_total",
        "samenspel_events_in_total",
        "samenspel_connector_up",
        "up",
    ):
        assert needed in used, needed


def test_selector_extraction_sees_through_functions() -> None:
    """Names inside ranges, aggregations and histogram_quantile are found; labels are not."""
    expr = 'histogram_quantile(0.9, sum by (le) (rate(a_bucket{job="x"}[5m]))) > b'
    assert selectors(expr) == {"a_bucket", "b"}
    with pytest.raises(ValueError):
        selectors("sum(rate(a[5m])")
