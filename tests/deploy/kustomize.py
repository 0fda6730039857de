"""A small kustomize renderer for the tests, so that they need neither kubectl nor kustomize.

It supports exactly the fields deploy/k8s uses and refuses any other, so a kustomization can never
use a feature the tests silently ignore:

* ``resources``: YAML files and directories holding a kustomization;
* ``configMapGenerator``: ``name`` + ``files`` (no content-hash suffix: real kustomize appends one
  and rewrites the references, which changes no structure the tests look at);
* ``patches`` with ``path``: strategic merge on kind + name (maps merge, lists of named items
  merge by ``name``, other lists are replaced; no ``$patch`` directives);
* ``images``: ``name`` → ``newName`` / ``newTag`` in every container;
* ``namespace``: set on every namespaced resource.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "configMapGenerator",
    "patches",
    "images",
    "namespace",
}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding"}


class KustomizeError(Exception):
    """The kustomization uses something this renderer does not do, or is malformed."""


def load_documents(path: Path) -> list[Doc]:
    """Every non-empty YAML document of a file."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def render(directory: Path) -> list[Doc]:
    """The resources a kustomization directory produces, in order."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        docs.extend(render(target) if target.is_dir() else load_documents(target))
    for generator in kustomization.get("configMapGenerator", []):
        docs.append(_generate_config_map(directory, generator))
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise KustomizeError(f"{directory}: only 'path' patches are supported, got {patch}")
        for patch_doc in load_documents(directory / patch["path"]):
            _apply_patch(docs, patch_doc, directory / patch["path"])
    for image in kustomization.get("images", []):
        _set_image(docs, image)
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    _check_unique(docs, directory)
    return docs


def _generate_config_map(directory: Path, generator: Doc) -> Doc:
    if set(generator) - {"name", "files"}:
        raise KustomizeError(f"{directory}: unsupported configMapGenerator fields in {generator}")
    data: dict[str, str] = {}
    for entry in generator["files"]:
        key, _, file_name = entry.rpartition("=")
        file_name = file_name or entry
        data[key or Path(file_name).name] = (directory / file_name).read_text(encoding="utf-8")
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": generator["name"]},
        "data": data,
    }


def strategic_merge(base: Any, patch: Any) -> Any:
    """Merge ``patch`` into ``base``: maps recursively, lists of named maps by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if isinstance(key, str) and key.startswith("$"):
                raise KustomizeError(f"patch directive {key} is not supported")
            merged[key] = strategic_merge(base[key], value) if key in base else value
        return merged
    if _named_list(base) and _named_list(patch):
        result = [copy.deepcopy(item) for item in base]
        index = {item["name"]: position for position, item in enumerate(result)}
        for item in patch:
            if item["name"] in index:
                result[index[item["name"]]] = strategic_merge(result[index[item["name"]]], item)
            else:
                result.append(item)
        return result
    return copy.deepcopy(patch)


def _named_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "name" in item for item in value)
    )


def _apply_patch(docs: list[Doc], patch: Doc, source: Path) -> None:
    for position, doc in enumerate(docs):
        if doc["kind"] == patch["kind"] and doc["metadata"]["name"] == patch["metadata"]["name"]:
            docs[position] = strategic_merge(doc, patch)
            return
    raise KustomizeError(f"{source}: no {patch['kind']} {patch['metadata']['name']!r} to patch")


def containers(doc: Doc) -> list[Doc]:
    """The containers (and init containers) of a workload or a pod, else nothing."""
    spec = doc.get("spec", {})
    pod = spec.get("jobTemplate", {}).get("spec", spec).get("template", {}).get("spec", spec)
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def pod_spec(doc: Doc) -> Doc:
    """The pod spec of a Deployment, StatefulSet, DaemonSet or Job."""
    spec: Doc = doc["spec"]["template"]["spec"]
    return spec


def _set_image(docs: list[Doc], image: Doc) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise KustomizeError(f"unsupported images fields in {image}")
    for doc in docs:
        for container in containers(doc):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                new_tag = image.get("newTag", tag)
                new_name = image.get("newName", name)
                container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name


def _check_unique(docs: list[Doc], directory: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        key = (doc["kind"], doc["metadata"]["name"])
        if key in seen:
            raise KustomizeError(f"{directory}: {key[0]} {key[1]!r} is defined twice")
        seen.add(key)
