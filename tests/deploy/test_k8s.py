"""deploy/k8s: rendered like kustomize, checked against the Kubernetes schemas and the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from aiohttp import web

from connectors.registry import load_connectors
from pipeline.assembly import build_chain
from pipeline.connect.config import load_connector_config
from pipeline.connect.http import Health, add_ops_routes
from pipeline.settings import Settings
from pipeline.tagging.rules import DEFAULT_RULES_PATH, parse_rules
from pipeline.topics import Topology, load_topic_specs
from pipeline.worker.app import create_app
from tests.deploy.deploy_helpers import DEPLOY, parse_command, unknown_env_names
from tests.deploy.kustomize import KustomizeError, containers, pod_spec, render, strategic_merge

K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "example"
KUBERNETES_VERSION = "1.30.0"
WORKLOADS = {"Deployment", "Job"}
POLLING_CONNECTORS = ("mastodon", "decidim", "asterisk-cdr")

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def overlay() -> list[Doc]:
    return render(OVERLAY)


def _find(docs: list[Doc], kind: str, name: str) -> Doc:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind} {name} not rendered"
    return matches[0]


def _workloads(docs: list[Doc]) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] in WORKLOADS]


def _data(doc: Doc) -> dict[str, str]:
    """The keys and values of a ConfigMap or a Secret written with stringData."""
    return {**doc.get("data", {}), **doc.get("stringData", {})}


def _env(docs: list[Doc], container: Doc) -> dict[str, str | None]:
    """Every variable a container gets: from envFrom sources (rendered) and env entries."""
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        kind, ref = (
            ("ConfigMap", source["configMapRef"])
            if "configMapRef" in source
            else (
                "Secret",
                source["secretRef"],
            )
        )
        found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == ref["name"]]
        assert found or ref.get("optional"), f"{kind} {ref['name']} is missing"
        for doc in found:
            env.update(_data(doc))
    for entry in container.get("env", []):
        env[entry["name"]] = entry.get("value")
    return env


@pytest.mark.parametrize("directory", [BASE, OVERLAY], ids=["base", "overlay"])
def test_every_rendered_document_is_valid(directory: Path) -> None:
    """Each rendered resource validates strictly against the Kubernetes OpenAPI schemas."""
    docs = render(directory)
    assert len(docs) >= 12
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {exc.message} at {exc.path}")


def test_renderer_refuses_unsupported_features(tmp_path: Path) -> None:
    """A kustomization field the test renderer does not implement is an error, not ignored."""
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonLabels: {a: b}\n")
    with pytest.raises(KustomizeError, match="commonLabels"):
        render(tmp_path)


def test_strategic_merge_merges_named_lists() -> None:
    """Containers merge by name; plain lists and scalars are replaced."""
    base = {"containers": [{"name": "a", "args": ["x"], "image": "i"}, {"name": "b"}]}
    patch = {"containers": [{"name": "a", "args": ["y"]}, {"name": "c"}]}
    merged = strategic_merge(base, patch)
    assert merged["containers"] == [
        {"name": "a", "args": ["y"], "image": "i"},
        {"name": "b"},
        {"name": "c"},
    ]


def test_overlay_patches_reach_the_resources(overlay: list[Doc]) -> None:
    """The overlay's namespace, image, replicas and SASL_SSL settings end up in the output."""
    config = _data(_find(overlay, "ConfigMap", "samenspel-config"))
    assert config["SAMENSPEL_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["SAMENSPEL_KAFKA_SASL_MECHANISM"] in {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
    assert config["SAMENSPEL_WEB_HOST"] == "0.0.0.0"
    for doc in overlay:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "samenspel", doc["metadata"]["name"]
    for doc in _workloads(overlay):
        for container in containers(doc):
            assert container["image"] == "registry.example.nl/samenspel:0.1.0"
    assert _find(overlay, "Deployment", "samenspel-worker")["spec"]["replicas"] == 3


def test_settings_values_are_valid(overlay: list[Doc]) -> None:
    """The shared ConfigMap plus the Secrets load as Settings without a validation error."""
    for doc in _workloads(overlay):
        for container in containers(doc):
            env = {k: v for k, v in _env(overlay, container).items() if v is not None}
            settings = Settings.model_validate(
                {k.removeprefix("SAMENSPEL_").lower(): v for k, v in env.items()}
            )
            assert settings.kafka_security_protocol == "SASL_SSL"
            assert len(settings.bootstrap_list()) == 3


def test_every_variable_is_read_by_the_code(overlay: list[Doc]) -> None:
    """Each variable is a Settings field, a webhook secret or a field of the pod's connector."""
    for doc in _workloads(overlay):
        for container in containers(doc):
            args = container["args"]
            connector = args[1] if args[0] == "connect" else None
            unknown = unknown_env_names(set(_env(overlay, container)), connector)
            assert not unknown, (doc["metadata"]["name"], unknown)


def test_container_commands_are_real_subcommands(overlay: list[Doc]) -> None:
    """Every container's args parse with the real ``samenspel`` parser."""
    commands = {parse_command(c["args"]) for d in _workloads(overlay) for c in containers(d)}
    assert commands == {"topics", "worker", "webhooks", "connect"}


def test_worker_probes_exist_on_the_worker(overlay: list[Doc], tmp_path: Path) -> None:
    """Liveness /health and readiness /ready are pages of the faust app, on its web port."""
    settings = Settings(pseudonym_key="k" * 32, data_dir=str(tmp_path))
    app = create_app(settings, build_chain(settings), topology=Topology(partitions=6, brokers=1))
    pages = set(app.web.views)
    worker = containers(_find(overlay, "Deployment", "samenspel-worker"))[0]
    assert worker["livenessProbe"]["httpGet"]["path"] == "/health"
    assert worker["readinessProbe"]["httpGet"]["path"] == "/ready"
    ports = {port["name"]: port["containerPort"] for port in worker["ports"]}
    for probe in ("livenessProbe", "readinessProbe"):
        assert worker[probe]["httpGet"]["path"] in pages
        assert ports[worker[probe]["httpGet"]["port"]] == int(worker["args"][-1])
    annotations = _find(overlay, "Deployment", "samenspel-worker")["spec"]["template"]["metadata"]
    assert annotations["annotations"]["prometheus.io/path"] in pages


def test_connector_probes_exist_on_the_ops_server(overlay: list[Doc]) -> None:
    """Connectors' HTTP probes name routes of the ops server (pipeline.connect.http)."""
    app = web.Application()
    add_ops_routes(app, [Health("test")])
    routes = {route.resource.canonical for route in app.router.routes() if route.resource}
    for name in POLLING_CONNECTORS:
        container = containers(_find(overlay, "Deployment", f"samenspel-connect-{name}"))[0]
        assert container["readinessProbe"]["httpGet"]["path"] in routes
        assert container["args"][-2:] == ["--port", str(container["ports"][0]["containerPort"])]


def test_worker_replicas_at_most_raw_partitions(overlay: list[Doc]) -> None:
    """More workers than raw partitions would idle; the base and the overlay stay within."""
    specs = {spec.name: spec for spec in load_topic_specs("samenspel")}
    partitions = min(specs[f"samenspel.raw.{c}"].partitions for c in ("phone", "web", "social"))
    assert partitions == 6
    for docs in (render(BASE), overlay):
        worker = _find(docs, "Deployment", "samenspel-worker")
        assert 1 <= worker["spec"]["replicas"] <= partitions
        assert worker["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
    assert (
        _find(overlay, "PodDisruptionBudget", "samenspel-worker")["spec"]["selector"]
        == (_find(overlay, "Deployment", "samenspel-worker")["spec"]["selector"])
    )


def test_pods_are_locked_down(overlay: list[Doc]) -> None:
    """Non-root, read-only root file system, no privilege escalation, requests and limits."""
    for doc in _workloads(overlay):
        pod = pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in containers(doc):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts


def _mounted_file(doc: Doc, container: Doc, path: str) -> tuple[str, str, str]:
    """(kind, name, key) of the ConfigMap or Secret volume that provides ``path``."""
    volumes = {volume["name"]: volume for volume in pod_spec(doc)["volumes"]}
    for mount in container["volumeMounts"]:
        directory = mount["mountPath"].rstrip("/") + "/"
        if path.startswith(directory):
            volume = volumes[mount["name"]]
            key = path.removeprefix(directory)
            if "configMap" in volume:
                return "ConfigMap", volume["configMap"]["name"], key
            if "secret" in volume:
                return "Secret", volume["secret"]["secretName"], key
    raise AssertionError(f"{path} is on no ConfigMap or Secret volume")


def test_rules_file_is_mounted_from_the_rules_configmap(overlay: list[Doc]) -> None:
    """SAMENSPEL_RULES_FILE names a key of the mounted rules ConfigMap, which the tagger accepts."""
    worker_doc = _find(overlay, "Deployment", "samenspel-worker")
    worker = containers(worker_doc)[0]
    path = _env(overlay, worker)["SAMENSPEL_RULES_FILE"]
    assert path is not None
    kind, name, key = _mounted_file(worker_doc, worker, path)
    rules_text = _data(_find(overlay, kind, name))[key]
    parse_rules(yaml.safe_load(rules_text), f"{kind} {name}")


def test_base_rules_are_the_packaged_rules() -> None:
    """The base ships the packaged rules; refresh deploy/k8s/base/rules.yaml when they change."""
    assert (BASE / "rules.yaml").read_text(encoding="utf-8") == DEFAULT_RULES_PATH.read_text(
        encoding="utf-8"
    ), "copy pipeline/tagging/rules/default.yaml to deploy/k8s/base/rules.yaml"


def test_kafka_ca_file_comes_from_the_ca_secret(overlay: list[Doc]) -> None:
    """SAMENSPEL_KAFKA_SSL_CAFILE is a key of the CA Secret mounted into every Kafka client."""
    for doc in _workloads(overlay):
        for container in containers(doc):
            path = _env(overlay, container)["SAMENSPEL_KAFKA_SSL_CAFILE"]
            assert path is not None
            kind, name, key = _mounted_file(doc, container, path)
            assert (kind, name) == ("Secret", "samenspel-kafka-ca")
            assert key in _data(_find(overlay, kind, name))


def test_connector_configs_validate(overlay: list[Doc], tmp_path: Path) -> None:
    """Each polling connector's config file plus its environment passes the connector's model."""
    files = _data(_find(overlay, "ConfigMap", "samenspel-connectors"))
    for name in POLLING_CONNECTORS:
        container = containers(_find(overlay, "Deployment", f"samenspel-connect-{name}"))[0]
        config_path = container["args"][container["args"].index("--config") + 1]
        key = Path(config_path).name
        (tmp_path / key).write_text(files[key], encoding="utf-8")
        env = {k: v for k, v in _env(overlay, container).items() if v is not None}
        model = load_connectors()[name].config_model
        load_connector_config(name, model, tmp_path / key, env=env)


def test_example_secrets_are_placeholders(overlay: list[Doc]) -> None:
    """No real secret is committed: every example value is a CHANGE-ME placeholder."""
    secrets = [doc for doc in overlay if doc["kind"] == "Secret"]
    assert len(secrets) >= 4
    for secret in secrets:
        assert "data" not in secret
        for key, value in secret["stringData"].items():
            assert value.startswith("CHANGE-ME"), (secret["metadata"]["name"], key)


def test_webhooks_service_targets_the_receiver(overlay: list[Doc]) -> None:
    """The Service selects the webhook pods and targets the port the receiver listens on."""
    service = _find(overlay, "Service", "samenspel-webhooks")
    deployment = _find(overlay, "Deployment", "samenspel-webhooks")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    container = containers(deployment)[0]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    target = service["spec"]["ports"][0]["targetPort"]
    assert ports[target] == int(container["args"][container["args"].index("--port") + 1])
