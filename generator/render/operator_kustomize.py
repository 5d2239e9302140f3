"""The operator through Kustomize (`operator.delivery: kustomize`): rendered/<env>/operator/ is an overlay over
the upstream base ray-operator/config/default of the pinned release, remote (GitHub at the release tag) or
vendored (a copy written under rendered/<env>/operator/vendor/ from schemas/kuberay/<tag>/operator-config/).

The overlay sets what the environment asks for, as the chart would (tests/test_operator_kustomize.py renders the
chart with the Helm SDK and compares): the namespace, the image pinned to the release, the feature gates (the
chart's defaults of the release and the environment's), the watched namespaces, env and resources, and for a
single-namespace install no ClusterRole (the Roles come with each namespace, generator/model/access.py). The
base brings the CRDs too: they are replaced rather than applied in Argo CD (too large for client-side apply)
and never pruned by either engine (docs/gitops.md, "The operator through Kustomize").
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from generator.files import GENERATED_MARKER, RenderedFile
from generator.model import access
from generator.model.build import effective_feature_gates
from generator.model.types import Environment
from generator.render.jinja import render_file

REMOTE_BASE = "github.com/ray-project/kuberay/ray-operator/config/default?ref={tag}"
VENDOR = "vendor/config"
BASE_OBJECT = "kuberay-operator"  # the Deployment, ServiceAccount, ClusterRole and binding of the base
CRD_ANNOTATIONS = {
    # kubectl apply fails on these CRDs (the last-applied annotation would pass 262,144 bytes): replaced, and
    # never pruned nor deleted with the Application, as deleting a CRD deletes every object of its kind
    "argocd.argoproj.io/sync-options": "Replace=true,Prune=false,Delete=false",
    "kustomize.toolkit.fluxcd.io/prune": "disabled",
}


def kustomize_delivery(environment: Environment) -> bool:
    return environment.operator.install and environment.operator.delivery == "kustomize"


def operator_args(environment: Environment) -> list[str]:
    """The operator's flags that the environment sets, spelled as the chart of the release spells them."""
    gates = effective_feature_gates(environment.release, environment.operator.feature_gates)
    args = ["--feature-gates=" + ",".join(f"{name}={str(enabled).lower()}" for name, enabled in gates.items())]
    watched = environment.operator.watch_namespaces
    if not watched and access.single_namespace(environment):
        watched = (environment.operator.namespace,)  # the chart's default for a single-namespace install
    if watched:
        args += ["--watch-namespace", ",".join(watched)]
    return args


def overlay_files(
    environment: Environment, jinja: jinja2.Environment, labels: dict[str, str], schemas_dir: Path
) -> list[RenderedFile]:
    folder = PurePosixPath(environment.name) / "operator"
    files: list[RenderedFile] = []
    if environment.operator.source == "vendored":
        files += vendored_base(environment, folder, schemas_dir)
        base = f"{VENDOR}/default"
    else:
        base = REMOTE_BASE.format(tag=environment.release.tag)
    container = "/spec/template/spec/containers/0"
    operations: list[dict[str, Any]] = [
        {"op": "replace", "path": f"{container}/args", "value": operator_args(environment)}
    ]
    if environment.operator.env:
        operations.append(
            {"op": "add", "path": f"{container}/env", "value": [dict(item) for item in environment.operator.env]}
        )
    if environment.operator.resources:
        operations.append(
            {"op": "replace", "path": f"{container}/resources", "value": dict(environment.operator.resources)}
        )
    patches = [
        {"target": {"group": "apps", "kind": "Deployment", "name": BASE_OBJECT}, "patch": json.dumps(operations)},
        {
            "target": {"group": "apiextensions.k8s.io", "kind": "CustomResourceDefinition"},
            "patch": json.dumps(
                [
                    {"op": "add", "path": "/metadata/annotations/" + key.replace("/", "~1"), "value": value}
                    for key, value in CRD_ANNOTATIONS.items()
                ]
            ),
        },
    ]
    if access.single_namespace(environment):
        # as the chart without a ClusterRole: the operator's Roles come with the namespaces it watches
        for kind in ("ClusterRole", "ClusterRoleBinding"):
            patches.append(
                {
                    "target": {"kind": kind, "name": BASE_OBJECT},
                    "patch": f"$patch: delete\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\n"
                    f"metadata:\n  name: {BASE_OBJECT}\n",
                }
            )
    context = {
        "environment": environment,
        "labels": labels,
        "base": base,
        "image": {
            "name": environment.release.operator_image_repository,
            "newTag": environment.release.operator_image_tag,
        },
        "patches": patches,
    }
    files.append(
        render_file(jinja, environment.source, folder / "namespace.yaml", "operator/namespace.yaml.j2", context)
    )
    files.append(
        render_file(jinja, environment.source, folder / "kustomization.yaml", "operator/overlay.yaml.j2", context)
    )
    return files


def vendored_base(environment: Environment, folder: PurePosixPath, schemas_dir: Path) -> list[RenderedFile]:
    """The base of the release, copied as it is, each file under the generated-file header; the CRDs are not
    parsed back (4 MB each release), as the tests build and check the overlay with kubectl kustomize."""
    source = schemas_dir / "kuberay" / environment.release.tag / "operator-config"
    header = (
        f"{GENERATED_MARKER} from ray-operator/config at KubeRay {environment.release.tag} "
        f"(operator.source: vendored in {environment.source}); do not edit.\n"
    )
    files = []
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(source)
        if path.suffix == ".gz":
            text = gzip.decompress(path.read_bytes()).decode()
            relative = relative.with_suffix("")
        else:
            text = path.read_text(encoding="utf-8")
        files.append(RenderedFile(folder / VENDOR / relative.as_posix(), environment.name, header + text, ()))
    return files
