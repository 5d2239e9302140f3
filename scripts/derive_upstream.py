"""Derive the project's committed upstream data from ../shared (the only code that reads it).

Writes, for every KubeRay release in ../shared/kuberay:
  schemas/kuberay/<tag>/kuberay-operator.values.json   chart default values (chart keys, feature gates, image)
  schemas/kuberay/<tag>/ray-cluster.values.json        the ray-cluster chart's default values
  schemas/kuberay/<tag>/<Kind>.schema.json             JSON Schema of each ray.io/v1 kind (scripts/crd_schema.py)
  schemas/kuberay/field-history.json                   first and last release of every spec field and enum value
for Argo CD and Flux:
  schemas/gitops/<Kind>.schema.json                    JSON Schema of each kind the generator emits
and, shared by all of them, schemas/definitions.json (subtrees stored once by content hash).
It copies the upstream samples used as reference inputs to tests/fixtures/upstream-samples/<tag>/, the two
charts of every release (Chart.yaml, values.yaml, templates/) to tests/fixtures/charts/<tag>/ for the tests that
render them with the Helm SDK, and writes tests/fixtures/health/kuberay/<tag>.json: the status schema of each
ray.io kind and the string constants of the Go API types, from which the health-check cases are checked.
The sources are Apache-2.0 files of the KubeRay, Argo CD and Flux projects; schemas/NOTICE names them.
Run with `make schemas`; a test fails when the committed files differ from what this script produces.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from generator.releases import version_key
from scripts.crd_schema import SharedDefinitions, convert, crd_version_schema, object_schema, storage_version
from scripts.field_history import field_history

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TAGS = ("v1.3.0",)
# Keys documented only as comments, e.g. "# watchNamespace:" or, in a section, "  # rayVersion: 2.41.0"
# (prose such as "# Note:" starts upper case).
_SECTION = re.compile(r"^([A-Za-z][A-Za-z0-9]*):")
_COMMENTED_KEY = re.compile(r"^(  )?# ?([a-z][A-Za-z0-9]*):(?: .*)?$")
# libyaml's loader: the CRDs of every release are ~40 MB of YAML
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SCHEMA_BASE = "https://kuberay-gitops.dev/schemas"
# The Flux notification-controller of Flux v2.9 (Alert, notification.toolkit.fluxcd.io/v1beta3), read from a git
# directory of github.com/fluxcd/notification-controller (--notification-controller)
NOTIFICATION_CONTROLLER_TAG = "v1.9.3"
ALERT_CRD = "config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml"
RAY_VERSION = "v1"
GITOPS_CRDS = (
    "argocd/v3.5.1/application-crd.yaml",
    "argocd/v3.5.1/applicationset-crd.yaml",
    "argocd/v3.5.1/appproject-crd.yaml",
    "flux/source-controller-v1.9.1/source.toolkit.fluxcd.io_gitrepositories.yaml",
    "flux/source-controller-v1.9.1/source.toolkit.fluxcd.io_helmrepositories.yaml",
    "flux/source-controller-v1.9.1/source.toolkit.fluxcd.io_ocirepositories.yaml",
    "flux/source-controller-v1.9.1/source.toolkit.fluxcd.io_helmcharts.yaml",
    "flux/kustomize-controller-v1.9.4/kustomize.toolkit.fluxcd.io_kustomizations.yaml",
    "flux/helm-controller-v1.6.3/helm.toolkit.fluxcd.io_helmreleases.yaml",
)


def derive(
    shared: Path, root: Path, notification_controller: Path | None = None, kuberay: Path | None = None
) -> list[Path]:
    """Write every derived file under `root`; return their paths. `notification_controller` is a git directory
    of fluxcd/notification-controller (../shared has no Flux notification CRDs); without it the Alert schema
    is not derived. `kuberay` is a git directory of ray-project/kuberay, for the operator's feature gates
    (../shared has the charts, whose values list only some of them); without it they are not derived."""
    written: list[Path] = []
    charts = shared / "kuberay" / "charts"
    tags = sorted((path.name for path in charts.iterdir() if path.is_dir()), key=_tag_key)
    for tag in tags:
        for chart in ("kuberay-operator", "ray-cluster"):
            values = yaml.load((charts / tag / chart / "values.yaml").read_text(), Loader=_LOADER)
            chart_meta = yaml.load((charts / tag / chart / "Chart.yaml").read_text(), Loader=_LOADER)
            text = (charts / tag / chart / "values.yaml").read_text()
            document = {
                "chart": chart,
                "chartVersion": str(chart_meta["version"]),
                "values": values,
                "commentedKeys": _commented_keys(text, values or {}),
            }
            if chart == "kuberay-operator":
                document["namespaceRoles"] = namespace_roles(charts / tag / chart, values)
                document["clusterObjects"] = cluster_objects(charts / tag / chart)
                document["crdNames"] = sorted(
                    yaml.load(path.read_text(), Loader=_LOADER)["metadata"]["name"]
                    for path in (shared / "kuberay" / "crds" / tag).glob("*.yaml")
                )
            written.append(_write_json(root / "schemas" / "kuberay" / tag / f"{chart}.values.json", document))
    shared_definitions = SharedDefinitions(f"{SCHEMA_BASE}/definitions.json")
    crds_by_tag: dict[str, dict[str, Any]] = {}
    for tag in tags:
        crds_by_tag[tag] = {}
        for path in sorted((shared / "kuberay" / "crds" / tag).glob("*.yaml")):
            crd = yaml.load(path.read_text(), Loader=_LOADER)
            kind = crd["spec"]["names"]["kind"]
            crds_by_tag[tag][kind] = crd
            uri = f"{SCHEMA_BASE}/kuberay/{tag}/{kind}.schema.json"
            schema = object_schema(crd, RAY_VERSION, uri, shared_definitions)
            written.append(_write_json(root / "schemas" / "kuberay" / tag / f"{kind}.schema.json", schema))
    history = field_history(crds_by_tag, RAY_VERSION)
    written.append(_write_json(root / "schemas" / "kuberay" / "field-history.json", history))
    for relative in GITOPS_CRDS:
        crd = yaml.load((shared / "gitops" / relative).read_text(), Loader=_LOADER)
        kind = crd["spec"]["names"]["kind"]
        uri = f"{SCHEMA_BASE}/gitops/{kind}.schema.json"
        schema = object_schema(crd, storage_version(crd), uri, shared_definitions)
        written.append(_write_json(root / "schemas" / "gitops" / f"{kind}.schema.json", schema))
    if notification_controller is not None:
        text = subprocess.run(
            ["git", "-C", str(notification_controller), "show", f"{NOTIFICATION_CONTROLLER_TAG}:{ALERT_CRD}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        crd = yaml.load(text, Loader=_LOADER)
        uri = f"{SCHEMA_BASE}/gitops/Alert.schema.json"
        # self-contained, so that definitions.json is the same with or without this source
        schema = object_schema(crd, storage_version(crd), uri, _INLINE)
        written.append(_write_json(root / "schemas" / "gitops" / "Alert.schema.json", schema))
    written.append(_write_json(root / "schemas" / "definitions.json", shared_definitions.document()))
    if kuberay is not None:
        for tag in tags:
            gates = operator_feature_gates(kuberay, tag)
            written.append(_write_json(root / "schemas" / "kuberay" / tag / FEATURE_GATES_FILE, gates))
    for tag in SAMPLE_TAGS:
        source = shared / "kuberay" / "samples-all" / tag
        target = root / "tests" / "fixtures" / "upstream-samples-all" / tag
        for sample in sorted(source.rglob("*.yaml")):
            destination = target / sample.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sample, destination)
            written.append(destination)
    for tag in SAMPLE_TAGS:
        source = shared / "kuberay" / "samples" / tag
        target = root / "tests" / "fixtures" / "upstream-samples" / tag
        for sample in sorted(source.rglob("*.yaml")):
            destination = target / sample.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sample, destination)
            written.append(destination)
    for tag in tags:
        for chart in ("kuberay-operator", "ray-cluster"):
            source = charts / tag / chart
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    destination = root / "tests" / "fixtures" / "charts" / tag / chart / path.relative_to(source)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination)
                    written.append(destination)
        health = {
            "constants": go_string_constants(shared / "kuberay" / "api" / tag),
            "status": {
                kind: convert(crd_version_schema(crd, RAY_VERSION)["properties"]["status"], _INLINE)
                for kind, crd in sorted(crds_by_tag[tag].items())
            },
        }
        written.append(_write_json(root / "tests" / "fixtures" / "health" / "kuberay" / f"{tag}.json", health))
    for tag in tags:
        written += vendor_operator_config(shared, root, tag)
    notice = root / "schemas" / "NOTICE"
    notice.write_text(_notice(tags))
    written.append(notice)
    return written


FEATURE_GATES_FILE = "feature-gates.json"
FEATURES_GO = "ray-operator/pkg/features/features.go"
# an entry of defaultFeatureGates: `RayCronJob: {Default: false, PreRelease: featuregate.Alpha},`
_GATE_DEFAULT = re.compile(r"^\s*(\w+):\s*\{Default:\s*(true|false)\b", re.MULTILINE)


def operator_feature_gates(kuberay: Path, tag: str) -> dict[str, Any]:
    """Every feature gate the operator of `tag` registers, with its default (defaultFeatureGates)."""
    text = subprocess.run(
        ["git", "-C", str(kuberay), "show", f"{tag}:{FEATURES_GO}"], check=True, capture_output=True, text=True
    ).stdout
    gates = {name: default == "true" for name, default in _GATE_DEFAULT.findall(text)}
    if not gates:
        raise SystemExit(f"derive_upstream: no feature gate found in {FEATURES_GO} at {tag}")
    return {"source": f"{FEATURES_GO} at {tag}", "gates": gates}


# The folders of ray-operator/config that config/default builds from (the operator through Kustomize)
OPERATOR_CONFIG_FOLDERS = ("default", "crd", "rbac", "manager")


def vendor_operator_config(shared: Path, root: Path, tag: str) -> list[Path]:
    """Copy the Kustomize base of the operator at `tag` to schemas/kuberay/<tag>/operator-config/: the folders
    config/default builds from, and the CRDs of crd/bases gzipped (about 170 KB for 4 MB), from which
    `operator.source: vendored` renders a copy of the base into the repository
    (generator/render/operator_kustomize.py)."""
    target = root / "schemas" / "kuberay" / tag / "operator-config"
    written = []
    for folder in OPERATOR_CONFIG_FOLDERS:
        for path in sorted((shared / "kuberay" / "config" / tag / folder).glob("*.yaml")):
            destination = target / folder / path.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            written.append(destination)
    for path in sorted((shared / "kuberay" / "crds" / tag).glob("*.yaml")):
        destination = target / "crd" / "bases" / f"{path.name}.gz"
        destination.parent.mkdir(parents=True, exist_ok=True)
        # mtime 0: the same bytes on every run
        destination.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        written.append(destination)
    return written


class _Unshared(SharedDefinitions):
    """Keeps every subtree in place: the status schemas are small and read by tests only."""

    def share(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema


_INLINE = _Unshared("")
# A Go string constant: `Name Type = "value"` in a const block, or `Name: "value"` in a struct literal.
_GO_CONSTANT = re.compile(r'^\s*([A-Z][A-Za-z0-9_]*)\s*(?:[A-Z][A-Za-z0-9]*\s*)?[:=]\s*"([^"]*)"', re.MULTILINE)


def go_string_constants(folder: Path) -> dict[str, list[str]]:
    """Every string constant of the Go API types in `folder`: value -> the Go names that hold it."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.go")):
        for name, value in _GO_CONSTANT.findall(path.read_text()):
            found.setdefault(value, set()).add(name)
    return {value: sorted(names) for value, names in sorted(found.items())}


# The values that the chart's per-namespace Role rules read (templates/multiple_namespaces_role.yaml): the batch
# scheduler, and from 1.7 the KubernetesWAS feature gate. The chart compares the scheduler name with these two.
BATCH_SCHEDULER_NAMES = ("", "volcano", "scheduler-plugins")


def namespace_roles(chart: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules of the Role the operator chart grants in each watched namespace of a single-namespace install,
    for every combination of the values those rules depend on, rendered by the Helm SDK (helm-python-sdk, a
    dev dependency). The generator renders these Roles itself (generator/render/operator_access.py), because
    the chart would create them before the namespaces exist."""
    import helm_python

    gates = [gate["name"] for gate in values.get("featureGates") or []]
    was_options = (False, True) if "KubernetesWAS" in gates else (False,)
    variants: list[dict[str, Any]] = []
    with helm_python.Chart.load(chart) as loaded:
        for enabled in (False, True):
            for name in BATCH_SCHEDULER_NAMES:
                for was in was_options:
                    override: dict[str, Any] = {
                        "singleNamespaceInstall": True,
                        "crNamespacedRbacEnable": True,
                        "watchNamespace": ["watched"],
                        "batchScheduler": {"enabled": enabled, "name": name},
                    }
                    if was:
                        override["featureGates"] = [{"name": "KubernetesWAS", "enabled": True}]
                    rendered = loaded.render(override, name="kuberay-operator", namespace="operator")
                    roles = [
                        document
                        for text in rendered.values()
                        for document in yaml.load_all(text, Loader=_LOADER)
                        if document
                        and document["kind"] == "Role"
                        and document["metadata"].get("namespace") == "watched"
                    ]
                    (role,) = roles
                    variants.append(
                        {
                            "batchSchedulerEnabled": enabled,
                            "batchSchedulerName": name,
                            "kubernetesWAS": was,
                            "rules": role["rules"],
                        }
                    )
    return variants


FULLNAME_PROBE = "fullname-probe"


def cluster_objects(chart: Path) -> list[list[str]]:
    """The cluster-scoped objects the operator chart creates with its default values, as [kind, name] with the
    chart's full name written `{fullname}` (rendered by the Helm SDK with a probe full name), so that the
    AppProject of the operator can allow them by exact name (generator/render/gitops.py)."""
    import helm_python  # only the derivation renders charts (a dev dependency)

    with helm_python.Chart.load(chart) as loaded:
        rendered = loaded.render({"fullnameOverride": FULLNAME_PROBE}, name="kuberay-operator", namespace="operator")
    found = {
        (document["kind"], document["metadata"]["name"].replace(FULLNAME_PROBE, "{fullname}"))
        for text in rendered.values()
        for document in yaml.load_all(text, Loader=_LOADER)
        if document and document["kind"] in ("ClusterRole", "ClusterRoleBinding")
    }
    return [list(item) for item in sorted(found)]


def _commented_keys(text: str, values: dict[str, Any]) -> list[str]:
    """Top-level keys ("watchNamespace") and section keys ("head.rayVersion") that only comments document."""
    found: set[str] = set()
    section = ""
    for line in text.splitlines():
        if match := _SECTION.match(line):
            section = match.group(1)
        elif match := _COMMENTED_KEY.match(line):
            nested, key = match.group(1), match.group(2)
            if not nested and key not in values:
                found.add(key)
            elif nested and isinstance(values.get(section), dict) and key not in values[section]:
                found.add(f"{section}.{key}")
    return sorted(found)


def _notice(tags: list[str]) -> str:
    return (
        "The files under schemas/kuberay/, schemas/gitops/, schemas/definitions.json,\n"
        "tests/fixtures/upstream-samples/, tests/fixtures/charts/ and tests/fixtures/health/kuberay/ are derived\n"
        "from, or are copies of, files of these projects,\n"
        "all licensed under the Apache License 2.0:\n"
        "\n"
        "KubeRay (https://github.com/ray-project/kuberay), at each release tag named by the folder:\n"
        "  helm-chart/kuberay-operator/values.yaml and Chart.yaml\n"
        "  helm-chart/ray-cluster/values.yaml and Chart.yaml\n"
        "  ray-operator/config/crd/bases/ray.io_*.yaml (the v1 schema of each CRD)\n"
        "  ray-operator/config/samples/ (tests/fixtures/upstream-samples/v1.3.0, a selection, and\n"
        "    tests/fixtures/upstream-samples-all/v1.3.0, every YAML file; unmodified copies)\n"
        "  ray-operator/pkg/features/features.go (schemas/kuberay/<tag>/feature-gates.json: each gate and its\n"
        "    default)\n"
        "  ray-operator/config/{default,crd,rbac,manager}/*.yaml and the CRDs of config/crd/bases\n"
        "    (schemas/kuberay/<tag>/operator-config/, unmodified copies; the CRDs gzipped)\n"
        "  helm-chart/kuberay-operator/ and helm-chart/ray-cluster/ without crds/ (tests/fixtures/charts/<tag>/,\n"
        "    unmodified copies)\n"
        "  ray-operator/apis/ray/v1/*_types.go (tests/fixtures/health/kuberay/<tag>.json: the string constants;\n"
        "    the status schemas come from the CRDs)\n"
        f"  Tags: {', '.join(tags)}.\n"
        "Argo CD (https://github.com/argoproj/argo-cd), tag v3.5.1: manifests/crds/application-crd.yaml,\n"
        "  applicationset-crd.yaml, appproject-crd.yaml.\n"
        "Flux (https://github.com/fluxcd): source-controller v1.9.1, kustomize-controller v1.9.4 and\n"
        "  helm-controller v1.6.3, config/crd/bases/*.yaml; notification-controller v1.9.3,\n"
        "  config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml (schemas/gitops/Alert.schema.json).\n"
        "\n"
        "Derived by scripts/derive_upstream.py: chart values converted from YAML to JSON; CRD schemas converted\n"
        "to JSON Schema by scripts/crd_schema.py (descriptions and defaults dropped, large subtrees shared in\n"
        "definitions.json); field-history.json lists the releases in which each field and enum value exists.\n"
    )


def _write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    return path


def _tag_key(tag: str) -> tuple[int, ...]:
    return version_key(tag.lstrip("v"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="path of ../shared")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root to write into")
    parser.add_argument(
        "--notification-controller",
        type=Path,
        default=None,
        help="git directory of github.com/fluxcd/notification-controller (for the Alert schema)",
    )
    parser.add_argument(
        "--kuberay",
        type=Path,
        default=None,
        help="git directory of github.com/ray-project/kuberay (for the operator's feature gates)",
    )
    args = parser.parse_args(argv)
    if not (args.shared / "kuberay").is_dir():
        print(
            f"derive_upstream: {args.shared}/kuberay not found; it is needed only to re-derive",
            file=sys.stderr,
        )
        return 2
    for path in derive(args.shared, args.root, args.notification_controller, args.kuberay):
        print(path.relative_to(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
