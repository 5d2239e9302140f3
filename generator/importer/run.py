"""`import`: the environment file of a set of manifests, and the manifests it cannot carry.

1. The header is the one `new` writes for the name (cluster, namespace, release, repository, operator owner),
   with `podSecurity: privileged` so that nothing is added to the pods.
2. Each manifest becomes an item (importer/convert.py). A Ray object's item is rendered, and what its
   structured fields did not reproduce is computed as an override (importer/patch.py): the pod template
   parts go into the groups' `podTemplate`, the rest into the item's `spec`.
3. The command line then validates the file with every rule and compares what it renders with the
   manifests (importer/compare.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from ruamel.yaml import YAML
from ruamel.yaml.scalarint import OctalInt

from generator.errors import format_path
from generator.importer.compare import JSON_STRINGS, YAML_STRINGS, normalized
from generator.importer.convert import (
    JOB_SPEC,
    RAY_VERSIONS,
    SECTIONS,
    descend,
    object_name,
    ray_item,
)
from generator.importer.manifests import Manifest
from generator.importer.patch import Inexpressible, override
from generator.input.schema_check import Finding
from generator.model.build import UNCHECKED, build_environment, kubernetes_version
from generator.model.fields import CLUSTER_ITEM, CLUSTER_SPEC, OVERRIDE, environment_occurrences, gated_occurrences
from generator.model.names import api_group
from generator.releases import KubeRayRelease
from generator.render.workloads import workload_files
from generator.rules.objects import (
    CLUSTER_OBJECT_NAMES,
    PLATFORM_HINT,
    RAY_GROUP,
    SECRET_ALTERNATIVES,
    cluster_object_kind,
    cluster_scoped,
    plaintext_keys,
)
from generator.validate.kubernetes import KubernetesSchemas, schema_key

# Volume fields that hold file modes: written as 0o... (YAML 1.2 octal), as people read them
MODE_KEYS = frozenset({"defaultMode", "mode"})
CONFIG_MAP_METADATA = frozenset({"name", "namespace", "generateName"})


@dataclass(frozen=True)
class Carried:
    """A manifest the environment carries, and what the rendered object must equal (normalised)."""

    manifest: Manifest
    section: str
    expected: dict[str, Any]


# what the CRD schema of the environment's release refuses in a Ray manifest (validate/conformance.py)
CrdFindings = Callable[[dict[str, Any]], list[Finding]]


@dataclass
class Imported:
    body: dict[str, Any] = field(default_factory=dict)  # the environment's sections, in file order
    carried: list[Carried] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # `source: kind name: why; what to do`
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, item: Any) -> None:
        self.body.setdefault(section, []).append(item)

    @property
    def gates(self) -> tuple[str, ...]:
        """The operator feature gates the imported objects need: RayCronJob for its kind, and each gated field
        or value they set (the field table's, as rule feature-gate reads it)."""
        needed = [gate for _, gate, _ in gated_occurrences(environment_occurrences(self.body))]
        return tuple(dict.fromkeys(needed))


def import_manifests(
    manifests: list[Manifest],
    header: dict[str, Any],
    release: KubeRayRelease,
    jinja: jinja2.Environment,
    schemas: KubernetesSchemas,
    crd_findings: CrdFindings,
) -> Imported:
    """The environment items of `manifests`, for an environment whose header data is `header`; `crd_findings`
    says what the CRD schema of the release refuses in a Ray object."""
    imported = Imported()
    version = kubernetes_version(header)
    namespace = header["target"]["namespace"]
    moved = _moved_accounts(manifests, namespace)
    for manifest in manifests:
        if manifest.dropped:
            imported.notes.append(
                f"{manifest.source}: {manifest.kind} {manifest.name}: left out what the API server wrote "
                f"({', '.join(manifest.dropped)})"
            )
        document = _with_moved_subjects(manifest, moved, namespace, imported.notes)
        metadata = document.get("metadata") or {}
        if "generateName" in metadata and "name" not in metadata:
            imported.notes.append(
                f"{manifest.source}: {manifest.kind} generateName {metadata['generateName']} is named "
                f"{object_name(metadata)}: GitOps needs a stable name"
            )
        if manifest.api_version == RAY_VERSIONS[1]:
            imported.notes.append(f"{manifest.source}: {manifest.kind} {manifest.name} converted from v1alpha1 to v1")
        refusal = _refusal(manifest, crd_findings)
        if refusal is not None:
            imported.refused.append(f"{manifest.source}: {manifest.kind} {manifest.name}: {refusal}")
            continue
        expected = normalized(document)
        if manifest.api_version in RAY_VERSIONS:
            section = SECTIONS[manifest.kind]
            item = ray_item(document)
            try:
                _add_residue(item, manifest.kind, expected, document.get("spec") or {}, header, release, jinja)
            except Inexpressible as error:
                imported.refused.append(
                    f"{manifest.source}: {manifest.kind} {manifest.name}: at spec.{error}, the manifest drops or "
                    "reorders items of a named list, which no environment field can express"
                )
                continue
        elif _plain_config_map(document):
            section, item = "configMaps", {"name": object_name(metadata), "data": dict(document.get("data") or {})}
        elif cluster_object_kind(manifest.api_version, manifest.kind):
            section, item = "clusterObjects", _object_entry(document)
        else:
            section, item = "objects", _object_entry(document)
            key = schema_key(document)
            known = schemas.validator(version, manifest.api_version, manifest.kind) is not None
            if not known and key not in imported.body.get("objectSchemas", {}):
                imported.body.setdefault("objectSchemas", {})[key] = UNCHECKED
                imported.notes.append(
                    f"{manifest.source}: {manifest.kind} is not a Kubernetes kind: objectSchemas renders it "
                    f"{UNCHECKED}; point {key} at its JSON Schema (e.g. its CRD's) to check it"
                )
        imported.add(section, item)
        imported.carried.append(Carried(manifest, section, expected))
    # the other objects after the Ray objects in the file, and objectSchemas after them
    for section in ("objects", "clusterObjects", "objectSchemas"):
        if section in imported.body:
            imported.body[section] = imported.body.pop(section)
    return imported


# The namespace kubectl puts an object without one in (its context's namespace, `default` unless set)
KUBECTL_NAMESPACE = "default"
RBAC_BINDINGS = frozenset({"RoleBinding", "ClusterRoleBinding"})


def _written_namespace(manifest: Manifest) -> str:
    return str((manifest.document.get("metadata") or {}).get("namespace") or KUBECTL_NAMESPACE)


def _moved_accounts(manifests: list[Manifest], namespace: str) -> frozenset[tuple[str, str]]:
    """The ServiceAccounts among `manifests` that the environment moves into `namespace`, as (the namespace
    they were written for, name)."""
    return frozenset(
        (_written_namespace(account), account.name)
        for account in manifests
        if account.kind == "ServiceAccount" and account.api_version == "v1" and _written_namespace(account) != namespace
    )


def _with_moved_subjects(
    manifest: Manifest, moved: frozenset[tuple[str, str]], namespace: str, notes: list[str]
) -> dict[str, Any]:
    """The manifest with its binding's subjects following the ServiceAccounts that the environment moves into
    `namespace` (a binding that kept naming the old namespace would grant nothing to the imported account)."""
    document = manifest.document
    if manifest.kind not in RBAC_BINDINGS or not manifest.api_version.startswith("rbac.authorization.k8s.io/"):
        return document
    subjects = document.get("subjects")
    if not isinstance(subjects, list):
        return document
    rewritten = []
    for subject in subjects:
        if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount":
            written, name = str(subject.get("namespace")), str(subject.get("name"))
            if (written, name) in moved:
                notes.append(
                    f"{manifest.source}: {manifest.kind} {manifest.name} binds ServiceAccount {name} in namespace "
                    f"{namespace}, where the environment puts it (the manifest said {written})"
                )
                subject = {**subject, "namespace": namespace}
        rewritten.append(subject)
    return {**document, "subjects": rewritten}


def _refusal(manifest: Manifest, crd_findings: CrdFindings) -> str | None:
    document = manifest.document
    metadata = document.get("metadata", {})
    if not isinstance(metadata, dict):
        return "its metadata is not a mapping"
    if not metadata.get("name") and not str(metadata.get("generateName") or "").rstrip("-"):
        return "it has no name (nor generateName): GitOps needs a stable one"
    if manifest.kind in SECTIONS and manifest.api_version in RAY_VERSIONS:
        # a manifest the API server refuses is not read into fields (which take its shape on trust)
        findings = crd_findings(document)
        if findings:
            shown = "; ".join(f"{format_path(finding.path)}: {finding.message}" for finding in findings[:3])
            more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
            return f"the {manifest.kind} CRD of the release refuses it: {shown}{more}"
    if manifest.kind in SECTIONS and manifest.api_version in RAY_VERSIONS and not _ray_images(manifest.kind, document):
        return "a Ray container without an image cannot be rendered; give every group's first container an image"
    if plaintext_keys(document):
        return f"a Secret with its values in plain text is not carried into Git; {SECRET_ALTERNATIVES}"
    if api_group(manifest.api_version) == RAY_GROUP and manifest.kind not in SECTIONS:
        return f"{manifest.kind} is not supported by this release of kuberay-gitops"
    if cluster_scoped(manifest.api_version, manifest.kind) and not cluster_object_kind(
        manifest.api_version, manifest.kind
    ):
        return f"cluster-scoped, and clusterObjects carries {CLUSTER_OBJECT_NAMES} only; {PLATFORM_HINT}"
    return None


def _ray_images(kind: str, document: dict[str, Any]) -> bool:
    """Whether the first container of every group of the object's cluster has an image (a RayJob on a
    selected cluster has none to check)."""
    cluster = descend(document.get("spec") or {}, CLUSTER_SPEC[kind])
    if cluster is None and kind in JOB_SPEC:
        return True
    groups = [(cluster or {}).get("headGroupSpec") or {}, *((cluster or {}).get("workerGroupSpecs") or [])]
    return all(
        isinstance(group, dict)
        and bool((((group.get("template") or {}).get("spec") or {}).get("containers") or [{}])[0].get("image"))
        for group in groups
    )


def _plain_config_map(document: dict[str, Any]) -> bool:
    """A ConfigMap that `configMaps` holds as it is: a name and string data, nothing else."""
    metadata = document.get("metadata") or {}
    return (
        document.get("kind") == "ConfigMap"
        and document.get("apiVersion") == "v1"
        and set(document) <= {"apiVersion", "kind", "metadata", "data"}
        and set(metadata) <= CONFIG_MAP_METADATA
        and bool(document.get("data"))
    )


def _object_entry(document: dict[str, Any]) -> dict[str, Any]:
    metadata = {key: value for key, value in (document.get("metadata") or {}).items() if key != "namespace"}
    metadata["name"] = object_name(metadata)
    metadata.pop("generateName", None)
    return {**document, "metadata": metadata}


def _add_residue(
    item: dict[str, Any],
    kind: str,
    expected: dict[str, Any],
    manifest_spec: dict[str, Any],
    header: dict[str, Any],
    release: KubeRayRelease,
    jinja: jinja2.Environment,
) -> None:
    """What the item's structured fields do not reproduce of `expected`, into podTemplate and `spec`."""
    rendered = normalized(_render(item, kind, header, release, jinja))
    if rendered.get("spec") == expected.get("spec"):
        return
    patch = override(rendered.get("spec", {}), expected.get("spec", {}))
    _restore_strings(patch, manifest_spec)
    _move_pod_templates(item, kind, patch)
    if patch:
        item[OVERRIDE] = patch


def _restore_strings(patch: dict[str, Any], spec: dict[str, Any]) -> None:
    """The fields that hold YAML or JSON in a string were compared as data; where the override writes one, it
    writes the manifest's own string (a RayJob's, or a RayCronJob's jobTemplate's)."""
    for at in ((), ("jobTemplate",)):
        written, original = descend(patch, at), descend(spec, at)
        if not isinstance(written, dict) or not isinstance(original, dict):
            continue
        for key in (YAML_STRINGS | JSON_STRINGS) & set(written):
            if key in original:
                written[key] = original[key]


def _render(
    item: dict[str, Any], kind: str, header: dict[str, Any], release: KubeRayRelease, jinja: jinja2.Environment
) -> dict[str, Any]:
    data = {**header, SECTIONS[kind]: [item]}
    environment = build_environment(data, Path("environments") / f"{header['name']}.yaml", release)
    for file in workload_files(environment, jinja, {}):
        for document in file.documents:
            if isinstance(document, dict) and document.get("kind") == kind:
                return document
    raise AssertionError(f"no {kind} rendered for an imported item")


def _move_pod_templates(item: dict[str, Any], kind: str, patch: dict[str, Any]) -> None:
    """The parts of a spec override that patch a pod template, moved to the podTemplate of their group."""
    cluster_item = descend(item, CLUSTER_ITEM[kind])
    spec = descend(patch, CLUSTER_SPEC[kind])
    if isinstance(spec, dict) and isinstance(cluster_item, dict):
        head = spec.get("headGroupSpec")
        if isinstance(head, dict) and isinstance(head.get("template"), dict):
            cluster_item["head"]["podTemplate"] = head.pop("template")
            if not head:
                spec.pop("headGroupSpec")
        workers = spec.get("workerGroupSpecs")
        if isinstance(workers, list) and workers:
            by_name = {group["name"]: group for group in cluster_item.get("workerGroups", [])}
            kept = []
            for group in workers:
                if isinstance(group.get("template"), dict) and group.get("groupName") in by_name:
                    by_name[group["groupName"]]["podTemplate"] = group.pop("template")
                if set(group) - {"groupName"}:
                    kept.append(group)
            if kept:
                spec["workerGroupSpecs"] = kept
            else:
                spec.pop("workerGroupSpecs")
    if kind in JOB_SPEC:
        spec_at, item_at = JOB_SPEC[kind]
        job_patch, job_item = descend(patch, spec_at), descend(item, item_at)
        submitter = job_patch.get("submitterPodTemplate") if isinstance(job_patch, dict) else None
        if isinstance(submitter, dict) and isinstance(job_item, dict) and "submitter" in job_item:
            job_item["submitter"]["podTemplate"] = job_patch.pop("submitterPodTemplate")
    _prune(patch, CLUSTER_SPEC[kind])
    if kind in JOB_SPEC:
        _prune(patch, JOB_SPEC[kind][0])


def _prune(patch: dict[str, Any], keys: tuple[str, ...]) -> None:
    """The mappings along `keys` that the moves left empty, from the deepest up."""
    for depth in range(len(keys), 0, -1):
        parent = descend(patch, keys[: depth - 1])
        if isinstance(parent, dict) and parent.get(keys[depth - 1]) == {}:
            parent.pop(keys[depth - 1])


def environment_text(header_text: str, body: dict[str, Any]) -> str:
    """The header as `new` wrote it, then the imported sections in block style, modes in octal."""
    if not body:
        return header_text
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    # a removed field reads `null`, not an empty value that looks forgotten
    yaml.representer.add_representer(type(None), _null)
    stream = io.StringIO()
    yaml.dump(_with_octal_modes(body), stream)
    return header_text.rstrip("\n") + "\n" + stream.getvalue()


def _null(representer: Any, _value: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _with_octal_modes(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {name: _with_octal_modes(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_with_octal_modes(item) for item in value]
    if key in MODE_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return OctalInt(value)
    return value
