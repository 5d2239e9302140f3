"""`new ENV`: the text of a new environment file that fits the environments already there.

A new environment on a cluster that another environment already serves uses that environment's operator
(operator.install: false), its KubeRay release and its feature gates, as the cross-environment rules
require; the repository URL is the one the other environments sync from. `--from _partial` extends a
partial; `--from ENV` copies an environment (comments kept) under the new name and namespace. The command
line validates the result with every rule before it keeps the file (commands.run_new).
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from ruamel.yaml import YAML

from generator.errors import InputError, SetupError
from generator.input.envschema import DNS1123_LABEL, ENVIRONMENT_NAME_MAX
from generator.input.resolve import PARTIAL_PREFIX
from generator.inventory import EnvironmentSummary, resolve_file, summarize
from generator.model.build import IN_CLUSTER_NAME, cluster_identity
from generator.releases import SUPPORTED_RELEASES
from generator.rules.wiring import OWNER_ONLY_SETTINGS

# The Ray image of the upstream KubeRay samples, for environments that inherit none.
DEFAULT_RAY_VERSION = "2.41.0"
DEFAULT_IMAGE = f"rayproject/ray:{DEFAULT_RAY_VERSION}"
SCHEMA_FILE = Path("schemas") / "environment.schema.json"


@dataclass(frozen=True)
class NewEnvironment:
    name: str
    source: str | None = None  # --from: a partial (_base) or an environment
    cluster: str | None = None
    namespace: str | None = None
    gpu: bool = False
    repo_url: str | None = None
    kuberay_version: str | None = None  # the release to pin, when the cluster has none yet
    imported_from: str | None = None  # `import`: the manifests, named in the header; no example workloads
    gates: tuple[str, ...] = ()  # feature gates the workloads need, switched on where this one installs the operator


def new_environment_text(request: NewEnvironment, environments_dir: Path, jinja: jinja2.Environment) -> str:
    _check_name(request.name, environments_dir)
    summaries = summarize(environments_dir) if environments_dir.is_dir() else []
    if request.source and not request.source.startswith(PARTIAL_PREFIX):
        return _copied(request, summaries)
    base = _partial(request.source, environments_dir) if request.source else None
    cluster = request.cluster or (base.cluster if base else None) or IN_CLUSTER_NAME
    namespace = request.namespace or f"ray-{request.name}"
    owner = _owner(cluster, namespace, summaries)
    inherited = base.data if base else {}
    image = _inherited_text(inherited, "defaults", "image")
    version = _release(cluster, summaries, base, request.kuberay_version)
    context: dict[str, Any] = {
        "name": request.name,
        "schema_path": _schema_path(environments_dir),
        "extends": request.source,
        "version": None if _inherited_text(inherited, "kuberay", "version") == version else version,
        "gitops": None if "gitops" in inherited else _gitops(request, environments_dir, summaries),
        "cluster": cluster,
        "namespace": namespace,
        "owner": owner.name if owner else None,
        "feature_gates": _feature_gates(owner) if owner else dict.fromkeys(request.gates, True),
        "image": None if image else DEFAULT_IMAGE,
        "ray_version": DEFAULT_RAY_VERSION,
        "gpu": request.gpu,
        "gpu_image": _gpu_image(image or DEFAULT_IMAGE),
        "imported_from": request.imported_from,
    }
    return jinja.get_template("scaffold/environment.yaml.j2").render(**context)


def _check_name(name: str, environments_dir: Path) -> None:
    if name.startswith(PARTIAL_PREFIX):
        raise SetupError(f"'{name}' would be a partial (files starting with _); name the environment without it")
    if not re.match(DNS1123_LABEL, name) or len(name) > ENVIRONMENT_NAME_MAX:
        raise SetupError(
            f"'{name}' is not a valid environment name: lower-case letters, digits and '-', at most "
            f"{ENVIRONMENT_NAME_MAX} characters, starting and ending with a letter or digit"
        )
    if (environments_dir / f"{name}.yaml").exists():
        raise SetupError(f"{environments_dir / f'{name}.yaml'} exists already; choose another name")


def _partial(source: str, environments_dir: Path) -> EnvironmentSummary:
    file = environments_dir / f"{source}.yaml"
    if not file.is_file():
        raise SetupError(f"there is no partial {file}")
    return resolve_file(file, environments_dir)


def _owner(cluster: str, namespace: str, summaries: list[EnvironmentSummary]) -> EnvironmentSummary | None:
    """The environment that installs the operator on `cluster`, after checking the namespace is free there."""
    here = cluster_identity(cluster)
    on_cluster = [summary for summary in summaries if summary.cluster and cluster_identity(summary.cluster) == here]
    for summary in on_cluster:
        if summary.namespace == namespace:
            raise SetupError(
                f"environment {summary.name} already uses namespace {namespace} on cluster {cluster}: "
                "pass another --namespace"
            )
    owner = next((summary for summary in on_cluster if summary.installs_operator), None)
    if owner is not None:
        watched = owner.data.get("operator", {}).get("watchNamespaces") or []
        if watched and namespace not in watched:
            raise SetupError(
                f"the operator that {owner.name} installs on cluster {cluster} watches only "
                f"{', '.join(watched)}: add {namespace} to operator.watchNamespaces in {owner.file.name} first, "
                "or pass one of those as --namespace"
            )
    return owner


def _release(
    cluster: str, summaries: list[EnvironmentSummary], base: EnvironmentSummary | None, wanted: str | None
) -> str:
    """The release of the cluster's other environments (one operator serves them all), else the one asked
    for, else the partial's, else the newest supported."""
    here = cluster_identity(cluster)
    on_cluster = [
        summary.version
        for summary in summaries
        if summary.cluster and cluster_identity(summary.cluster) == here and summary.version
    ]
    if on_cluster:
        if wanted is not None and wanted != on_cluster[0]:
            raise SetupError(
                f"cluster {cluster} runs KubeRay {on_cluster[0]} for its other environments, which share one "
                f"operator: leave out --kuberay-version, or pass --cluster for another cluster"
            )
        return on_cluster[0]
    if wanted is not None:
        if wanted not in SUPPORTED_RELEASES:
            raise SetupError(f"KubeRay {wanted} is not supported; the releases: {', '.join(SUPPORTED_RELEASES)}")
        return wanted
    inherited = base.version if base else None
    return inherited or SUPPORTED_RELEASES[-1]


def _feature_gates(owner: EnvironmentSummary | None) -> dict[str, bool]:
    if owner is None:
        return {}
    gates = owner.data.get("operator", {}).get("featureGates") or {}
    return {str(gate): bool(enabled) for gate, enabled in sorted(gates.items())}


def _gitops(request: NewEnvironment, environments_dir: Path, summaries: list[EnvironmentSummary]) -> dict[str, str]:
    engines = [summary.text("gitops", "engine") for summary in summaries if summary.text("gitops", "engine")]
    engine = engines[0] if engines else "argocd"
    urls = [summary.text("gitops", "repoURL") for summary in summaries if summary.text("gitops", "repoURL")]
    if request.repo_url and urls and request.repo_url not in urls:
        raise SetupError(
            f"the other environments sync from {urls[0]}: one repository serves them all (the root Application "
            "reads it); leave out --repo-url"
        )
    url = request.repo_url or (urls[0] if urls else None) or _git_origin(environments_dir)
    if not url:
        raise SetupError(
            "no repository URL to sync from: pass --repo-url (the URL Argo CD or Flux clones this repository by)"
        )
    return {"engine": str(engine), "repo_url": url}


def _git_origin(environments_dir: Path) -> str | None:
    folder = environments_dir if environments_dir.is_dir() else environments_dir.parent
    try:
        found = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=folder if folder.is_dir() else Path.cwd(),
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    url = found.stdout.strip()
    return url if found.returncode == 0 and url else None


def _inherited_text(data: dict[str, Any], *keys: str) -> str | None:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def _gpu_image(image: str) -> str:
    """The CUDA variant of a rayproject image (rayproject/ray:2.41.0-gpu); other images are kept as they are."""
    repository, _, tag = image.rpartition(":")
    if repository in ("rayproject/ray", "docker.io/rayproject/ray") and re.fullmatch(r"[0-9.]+(-py[0-9]+)?", tag):
        return f"{image}-gpu"
    return image


def _schema_path(environments_dir: Path) -> str | None:
    """The editor schema, relative to the environments folder, when the repository has one (a checkout)."""
    root = environments_dir.resolve().parent
    return f"../{SCHEMA_FILE.as_posix()}" if (root / SCHEMA_FILE).is_file() else None


def _copied(request: NewEnvironment, summaries: list[EnvironmentSummary]) -> str:
    """The file of environment `request.source` under the new name, comments kept, moved to its namespace."""
    source = next((summary for summary in summaries if summary.name == request.source), None)
    if source is None:
        known = ", ".join(summary.name for summary in summaries) or "none"
        raise SetupError(f"there is no environment '{request.source}' to copy (environments: {known})")
    if source.problems:  # where it does not resolve, located as `validate` locates it
        raise InputError(source.problems)
    if source.problem is not None:
        raise SetupError(f"environment {source.name} {source.problem}: fix it before copying it")
    if request.gpu or request.repo_url:
        raise SetupError("--gpu and --repo-url shape a new environment; a copy (--from ENV) keeps what its source has")
    cluster = request.cluster or source.cluster or IN_CLUSTER_NAME
    namespace = request.namespace or f"ray-{request.name}"
    owner = _owner(cluster, namespace, summaries)
    others = [summary for summary in summaries if summary.name != source.name]
    release = _release(cluster, others, source, None)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the style of the examples and of `new`
    document = yaml.load(source.file.read_text(encoding="utf-8"))
    document["name"] = request.name
    document["target"] = {**document.get("target", {}), "cluster": cluster, "namespace": namespace}
    if release != source.version:  # one operator serves the cluster: its release, not the source's
        document["kuberay"] = {**(document.get("kuberay") or {}), "version": release}
    operator = document.get("operator") or {}
    if owner is None and not source.installs_operator:
        operator["install"] = True  # a cluster no environment serves yet: this one installs the operator
        document["operator"] = operator
    elif owner is not None:
        operator["install"] = False
        for setting in OWNER_ONLY_SETTINGS:
            if setting in operator or setting in source.data.get("operator", {}):
                operator[setting] = None  # null removes what a partial sets (docs/environment.md)
        gates = _feature_gates(owner)
        if gates or "featureGates" in operator or "featureGates" in source.data.get("operator", {}):
            operator["featureGates"] = gates or None  # the version rules read the gates of the owner
        document["operator"] = operator
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()
