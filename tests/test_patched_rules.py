"""Patches are checked by the rules as `spec` is: the fields that rules read from what an item's `spec` writes
(SPEC_READ), which reading an object back into structured fields does not give, are read back as the item's
`spec` when a patch writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model.fields import EVERY, SPEC_READ, spec_read_paths
from generator.paths import ToolData
from generator.validate.final_rules import spec_read_fields
from tests.problems import problems_of

BASE = """\
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.46.0}
"""


def _patch(kind: str, name: str, path: str, value: str) -> str:
    target = f"{{kind: {kind}, name: {name}}}"
    return f"patches:\n  - target: {target}\n    patch: [{{op: add, path: {path}, value: {value}}}]\n"


CLUSTER = "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}]}]\n"
JOB = "jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}}]\n"
SIDECAR_JOB = (  # baseline: the submitter sidecar runs without a securityContext (pod-security)
    "podSecurity: baseline\njobs: [{name: j, entrypoint: python run.py, submissionMode: SidecarMode, cluster: "
    "{head: {cpu: '1'}}}]\n"
)

# For each SPEC_READ field: an environment whose patch writes it, and the one problem the patch brings
# (rule, message), or None where the field only spares a problem the patch would otherwise be blamed for
CASES: dict[str, tuple[str, tuple[str, str] | None]] = {
    "workerGroupSpecs[].suspend": (
        "kuberay: {version: 1.6.0}\noperator: {install: true, featureGates: {RayJobDeletionPolicy: false}}\n"
        + CLUSTER
        + _patch("RayCluster", "c", "/spec/workerGroupSpecs/0/suspend", "true"),
        (
            "worker-group-suspend",
            "RayCluster c after patches[0]: a worker group can be suspended only with the operator feature gate "
            "RayJobDeletionPolicy, which is off in this environment (KubeRay 1.6.0)",
        ),
    ),
    "workerGroupSpecs[].priority": (
        "kuberay: {version: 1.7.0}\n" + CLUSTER + _patch("RayCluster", "c", "/spec/workerGroupSpecs/0/priority", "5"),
        (
            "worker-group-priority",
            "RayCluster c after patches[0]: a worker group priority needs Ray 2.56.0 or later, and this cluster runs "
            "no rayVersion",
        ),
    ),
    # the operator reads autoscalerOptions.version alone (IsAutoscalingV2Enabled): with v2 written by `spec`
    # without enableInTreeAutoscaling, a patched idleTimeoutSeconds is the v2 autoscaler's and no problem
    "autoscalerOptions.version": (
        "kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}], spec: "
        "{autoscalerOptions: {version: v2}}}]\n"
        + _patch("RayCluster", "c", "/spec/workerGroupSpecs/0/idleTimeoutSeconds", "60"),
        None,
    ),
    "autoscalerOptions.volumeMounts": (
        "kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterMTLS: true}}\n"
        "clusters: [{name: c, head: {cpu: '1'}, tlsOptions: {enabled: true}, autoscaling: {enabled: true}}]\n"
        + _patch("RayCluster", "c", "/spec/autoscalerOptions/volumeMounts", "[{name: v, mountPath: /etc/ray/tls}]"),
        (
            "tls-options",
            "RayCluster c after patches[0]: an autoscaler volume mount named ray-tls or at /etc/ray/tls cannot be "
            "set with tlsOptions: the operator mounts the certificates there",
        ),
    ),
    "gcsFaultToleranceOptions.redisUsername": (
        "kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {GCSFaultToleranceEmbeddedStorage: true}}\n"
        "clusters: [{name: c, head: {cpu: '1'}, gcsFaultTolerance: {backend: rocksdb}}]\n"
        + _patch("RayCluster", "c", "/spec/gcsFaultToleranceOptions/redisUsername", "{value: u}"),
        (
            "gcs-backend-settings",
            "RayCluster c after patches[0]: redisUsername is a setting of the redis backend, not of rocksdb",
        ),
    ),
    "upgradeStrategy": (
        "kuberay: {version: 1.6.0}\n"
        + JOB
        + _patch("RayJob", "j", "/spec/rayClusterSpec/upgradeStrategy", "{type: Recreate}"),
        (
            "owned-cluster-upgrade-strategy",
            "RayJob j after patches[0]: upgradeStrategy cannot be set on the RayCluster a RayJob creates: the "
            "operator refuses that cluster",
        ),
    ),
    "headGroupSpec.template.spec.restartPolicy": (
        "kuberay: {version: 1.6.0}\n"
        + SIDECAR_JOB
        + _patch("RayJob", "j", "/spec/rayClusterSpec/headGroupSpec/template/spec/restartPolicy", "Always"),
        (
            "job-sidecar-mode",
            "RayJob j after patches[0]: restartPolicy Always is not allowed for the head in SidecarMode: the "
            "submitter runs beside it",
        ),
    ),
    "spec.submitterConfig": (
        "kuberay: {version: 1.6.0}\n"
        + SIDECAR_JOB
        + _patch("RayJob", "j", "/spec/submitterConfig", "{backoffLimit: 2}"),
        ("job-sidecar-mode", "RayJob j after patches[0]: SidecarMode does not take a submitterConfig"),
    ),
    # baseline: the init containers the patches add have no securityContext, which restricted refuses (pod-security)
    "headGroupSpec.template.spec.initContainers": (
        "kuberay: {version: 1.3.0}\npodSecurity: baseline\n"
        + CLUSTER
        + _patch("RayCluster", "c", "/spec/headGroupSpec/template/spec/initContainers", "[{name: ray-head, image: b}]"),
        (
            "unique-container-names",
            "RayCluster c after patches[0]: init container 'ray-head' has the name of a container of the same pod",
        ),
    ),
    "workerGroupSpecs[].template.spec.initContainers": (
        "kuberay: {version: 1.7.0}\npodSecurity: baseline\n"
        + "jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}, workerGroups: [{name: w}]}}]\n"
        + _patch(
            "RayJob",
            "j",
            "/spec/rayClusterSpec/workerGroupSpecs/0/template/spec/initContainers",
            "[{name: ray-worker}]",
        ),
        (
            "unique-container-names",
            "RayJob j after patches[0]: init container 'ray-worker' has the name of a container of the same pod",
        ),
    ),
    "workerGroupSpecs[].template.spec.restartPolicy": (
        "kuberay: {version: 1.4.0}\n"
        + "clusters: [{name: c, autoscaling: {enabled: true, version: v2}, head: {cpu: '1'}, workerGroups: "
        "[{name: w}]}]\n" + _patch("RayCluster", "c", "/spec/workerGroupSpecs/0/template/spec/restartPolicy", "Always"),
        (
            "autoscaler-v2-restart-policy",
            "RayCluster c after patches[0]: restartPolicy Always is not allowed with autoscaler v2",
        ),
    ),
    "spec.runtimeEnvYAML": (
        "kuberay: {version: 1.6.0}\n" + JOB + _patch("RayJob", "j", "/spec/runtimeEnvYAML", "'- pip'"),
        (
            "job-runtime-env-yaml",
            "RayJob j after patches[0]: the operator cannot read runtimeEnvYAML: it reads as a list, not a mapping",
        ),
    ),
}


def test_every_field_read_from_spec_has_a_patch_case() -> None:
    assert sorted(CASES) == sorted(field.crd for field in SPEC_READ)


@pytest.mark.parametrize("field", sorted(CASES))
def test_a_patch_writing_a_field_rules_read_from_spec_is_checked_as_spec_is(
    tool: ToolData, environments: Path, field: str
) -> None:
    body, expected = CASES[field]
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert [(rule, message) for _, rule, message in problems] == ([expected] if expected else [])


def test_a_patch_choosing_the_gcs_backend_is_read_back_as_the_structured_field(
    tool: ToolData, environments: Path
) -> None:
    """gcsFaultToleranceOptions reads back into gcsFaultTolerance (importer/convert.py): the rules on the backend
    see a patch's choice, here against the structured Redis address and the Redis user that `spec` writes."""
    body = (
        "kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {GCSFaultToleranceEmbeddedStorage: true}}\n"
        "clusters: [{name: c, head: {cpu: '1'}, gcsFaultTolerance: {redisAddress: 'redis:6379'}, spec: "
        "{gcsFaultToleranceOptions: {redisUsername: {value: u}}}}]\n"
        + _patch("RayCluster", "c", "/spec/gcsFaultToleranceOptions/backend", "rocksdb")
    )
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert [(rule, message.split(": ", 1)[1]) for _, rule, message in problems] == [
        ("gcs-backend-settings", "redisAddress is a setting of the redis backend, not of rocksdb"),
        ("gcs-backend-settings", "redisUsername is a setting of the redis backend, not of rocksdb"),
    ]


def test_a_field_spec_writes_is_reported_once_at_spec_not_again_for_an_unrelated_patch(
    tool: ToolData, environments: Path
) -> None:
    body = (
        "kuberay: {version: 1.6.0}\noperator: {install: true, featureGates: {RayJobDeletionPolicy: false}}\n"
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}], spec: {workerGroupSpecs: [{groupName: w, "
        "suspend: true}]}}]\n" + _patch("RayCluster", "c", "/spec/workerGroupSpecs/0/replicas", "2")
    )
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert [(rule, message.split(",")[0]) for _, rule, message in problems] == [
        (
            "worker-group-suspend",
            "a worker group can be suspended only with the operator feature gate RayJobDeletionPolicy",
        )
    ]


def test_a_field_written_through_the_job_template_of_a_cron_job_is_read_back_there() -> None:
    paths = spec_read_paths("RayCronJob")
    assert ("spec", "jobTemplate", "runtimeEnvYAML") in paths
    assert ("spec", "jobTemplate", "rayClusterSpec", "workerGroupSpecs", EVERY, "suspend") in paths
    assert not any(path[-1] == "upgradeStrategy" for path in spec_read_paths("RayCluster"))  # a structured field


def test_the_picking_keeps_each_list_item_in_its_place_and_nothing_else() -> None:
    document = {
        "kind": "RayCluster",
        "spec": {
            "rayVersion": "2.46.0",
            "workerGroupSpecs": [
                {"groupName": "a", "replicas": 1},
                {"groupName": "b", "suspend": True},
                {"groupName": "c", "priority": 3, "suspend": False},
            ],
            "autoscalerOptions": {"version": "v2", "idleTimeoutSeconds": 60},
        },
    }
    assert spec_read_fields(document) == {
        # each keeps its groupName too, so that it merges into its group as a `spec` entry would
        "workerGroupSpecs": [
            {"groupName": "a"},
            {"groupName": "b", "suspend": True},
            {"groupName": "c", "suspend": False, "priority": 3},
        ],
        "autoscalerOptions": {"version": "v2"},
    }
    assert spec_read_fields({"kind": "RayCluster", "spec": {"rayVersion": "2.46.0", "workerGroupSpecs": []}}) == {}


def test_the_reading_of_an_object_takes_nothing_from_defaults(tool: ToolData, environments: Path) -> None:
    """The rendered object carries what `defaults` gave; a reading with them would give the head back the image
    a patch removed, or a group that only `spec` adds the default image."""
    base = BASE + "kuberay: {version: 1.6.0}\npodSecurity: baseline\n"
    removed = CLUSTER + _patch("RayCluster", "c", "/spec/headGroupSpec/template/spec/containers/0/image", "x")
    removed = removed.replace("op: add", "op: remove").replace(", value: x", "")
    added = (
        "clusters: [{name: c, head: {cpu: '1'}, spec: {workerGroupSpecs: [{groupName: x, minReplicas: 0, "
        "maxReplicas: 1, template: {spec: {containers: [{name: ray-worker}]}}}]}}]\n"
    )
    assert [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": removed}, base)] == [
        ("image-required", "RayCluster c after patches[0]: no container image for this group")
    ]
    assert [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": added}, base)] == [
        ("image-required", "RayCluster c with its spec: no container image for this group")
    ]


def test_a_crd_problem_the_object_had_before_its_patches_is_reported_once(tool: ToolData, environments: Path) -> None:
    """A patch of something else leaves a problem `spec` wrote where it was: at `spec`, not again at the patch."""
    body = (
        "kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}], spec: "
        "{workerGroupSpecs: [{groupName: w, replicas: many}]}}]\n"
        + _patch("RayCluster", "c", "/metadata/labels", "{team: a}")
    )
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert [(rule, message) for _, rule, message in problems] == [
        ("crd-schema", 'rendered RayCluster c, spec.workerGroupSpecs[0].replicas: expected an integer, got text "many"')
    ]


RENAME = "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: e}]}\n"


def test_a_patch_may_target_the_name_a_patch_before_it_gave(tool: ToolData, tmp_path: Path) -> None:
    """kustomize matches each patch against the objects as the patches before it left them (`kubectl kustomize`
    applies both patches below, tests/test_gitops_patches.py): the second is no patch-target error, and what it
    writes is checked as any patch is."""
    second = (
        "  - {target: {kind: RayCluster, name: e}, patch: [{op: add, path: /spec/workerGroupSpecs/0/replicas, "
        "value: x}]}\n"
    )
    found = problems_of(
        tool, tmp_path, {"team": "kuberay: {version: 1.6.0}\n" + CLUSTER + "patches:\n" + RENAME + second}, BASE
    )
    assert [(rule, message) for _file, rule, message in found] == [
        (
            "crd-schema",
            "RayCluster c after patches[0], patches[1], spec.workerGroupSpecs[0].replicas: expected an integer, "
            'got text "x"',
        )
    ]


def test_a_patch_may_target_the_name_an_object_was_read_with_after_a_rename(tool: ToolData, tmp_path: Path) -> None:
    """kustomize matches a target's name against the object's first name too (Select, api/resmap/
    reswrangler.go:649-654 at api/v0.21.1), and `kubectl kustomize` applies such a patch
    (tests/test_gitops_patches.py)."""
    same = "  - {target: {kind: RayCluster, name: c}, patch: [{op: add, path: /spec/suspend, value: yes}]}\n"
    found = problems_of(
        tool, tmp_path, {"team": "kuberay: {version: 1.6.0}\n" + CLUSTER + "patches:\n" + RENAME + same}, BASE
    )
    assert [(rule, message) for _file, rule, message in found] == [
        (
            "crd-schema",
            'RayCluster c after patches[0], patches[1], spec.suspend: expected true or false, got text "yes"',
        )
    ]


@pytest.mark.parametrize(
    ("patches", "expected"),
    [
        # kustomize: "namespace transformation produces ID conflict"
        (
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: d}]}\n",
            (
                "patch-target",
                "the patch renames RayCluster c to d, the name of another RayCluster of the overlay, so kustomize "
                "build fails (namespace transformation produces ID conflict)",
            ),
        ),
        # a JSON patch kustomize cannot apply to an object of another kind (tests/test_patch_targets.py)
        (
            "  - {target: {kind: Namespace}, patch: [{op: remove, path: /metadata/annotations/team}]}\n",
            (
                "patch-target",
                "the patch cannot apply to Namespace ray, so kustomize build fails: /metadata/annotations/team: "
                "annotations does not exist",
            ),
        ),
        # kustomize: "unable to parse SM or JSON patch"
        (
            "  - {target: {kind: Namespace}, patch: [1]}\n",
            ("input-schema", "expected a mapping, got an integer 1"),
        ),
        (
            "  - {patch: {apiVersion: ray.io/v1, kind: RayCluster, metadata: x}}\n",
            ("input-schema", 'expected a mapping, got text "x"'),
        ),
        (
            "  - {target: {kind: RayCluster, name: 'c('}, patch: [{op: add, path: /spec/suspend, value: true}]}\n",
            (
                "patch-target",
                "'c(' is not a Go regular expression, so kustomize build fails: missing ): ^(?:c()$",
            ),
        ),
        # Python's re takes a lookahead; Go's regexp, which kustomize reads targets with, does not
        (
            "  - {target: {kind: RayCluster, name: '(?!d).*'}, patch: [{op: add, path: /spec/suspend, value: true}]}\n",
            (
                "patch-target",
                "'(?!d).*' is not a Go regular expression, so kustomize build fails: invalid perl operator: (?!",
            ),
        ),
        (
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata, value: x}]}\n"
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: add, path: /spec/suspend, value: true}]}\n",
            ("crd-schema", 'RayCluster c after patches[0], patches[1], metadata: expected a mapping, got text "x"'),
        ),
    ],
)
def test_patches_kustomize_cannot_build_are_errors(
    tool: ToolData, tmp_path: Path, patches: str, expected: tuple[str, str]
) -> None:
    two = "clusters: [{name: c, head: {cpu: '1'}}, {name: d, head: {cpu: '1'}}]\n"
    found = problems_of(tool, tmp_path, {"team": "kuberay: {version: 1.6.0}\n" + two + "patches:\n" + patches}, BASE)
    assert [(rule, message) for _file, rule, message in found] == [expected]


def test_a_target_pattern_go_takes_and_python_refuses_is_no_problem(tool: ToolData, tmp_path: Path) -> None:
    # `\pL` (a letter) and `\z` (the end of the text): Go's regexp takes both, Python's re neither
    two = "clusters: [{name: c, head: {cpu: '1'}}, {name: d, head: {cpu: '1'}}]\n"
    patch = "  - {target: {kind: RayCluster, name: '\\pL\\z'}, patch: [{op: add, path: /spec/suspend, value: true}]}\n"
    found = problems_of(tool, tmp_path, {"team": "kuberay: {version: 1.6.0}\n" + two + "patches:\n" + patch}, BASE)
    assert found == []


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (
            "{op: replace, path: /kind, value: ConfigMap}",
            'kind: "ConfigMap" is not one of: RayCluster, RayJob, RayService',
        ),
        ("{op: replace, path: /kind, value: ../v1.3.0/RayCluster}", 'kind: "../v1.3.0/RayCluster" is not one of: '),
        ("{op: remove, path: /kind}", "(document): missing required field 'kind'"),
        ("{op: replace, path: /kind, value: [a]}", 'kind: ["a"] is not one of: '),  # no text: it crashed
    ],
)
def test_a_patch_that_writes_a_kind_the_release_lacks_is_a_crd_error(
    tool: ToolData, tmp_path: Path, operation: str, message: str
) -> None:
    """kustomize builds a ray.io object of any kind, which the API server has no CRD for. The kind named the
    schema file to read, so the run stopped (exit 2), or read another release's schema."""
    patch = "patches: [{target: {kind: RayCluster, name: c}, patch: [" + operation + "]}]\n"
    found = problems_of(tool, tmp_path, {"team": "kuberay: {version: 1.5.0}\n" + CLUSTER + patch}, BASE)
    assert [(rule, text.startswith("RayCluster c after patches[0], " + message)) for _f, rule, text in found] == [
        ("crd-schema", True)
    ]


def test_a_target_pattern_only_a_newer_go_reads_is_left_unchecked(tool: ToolData, tmp_path: Path) -> None:
    # `\p{Letter}`: kubectl's kustomize takes it, RE2 does not know the name; neither an error nor a match here
    patch = "  - {target: {kind: RayCluster, name: '\\p{Letter}+'}, patch: [{op: add, path: /spec/x, value: 1}]}\n"
    found = problems_of(tool, tmp_path, {"team": "kuberay: {version: 1.6.0}\n" + CLUSTER + "patches:\n" + patch}, BASE)
    assert found == []
