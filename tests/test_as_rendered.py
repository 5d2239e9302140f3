"""Rules read values as rendered: the structured fields, then what the group's podTemplate and the item's `spec`
write, which merge last. The image of each Ray container (image-required, ray-version-image and the model read
the same one, so an image written only through podTemplate or `spec` is not refused), and each volume's source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from tests.problems import problems_of

BASE = """\
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
"""
IMAGE = "rayproject/ray:2.46.0"
OTHER = "rayproject/ray:2.41.0"


def _ray_container(name: str, image: str) -> str:
    """A pod spec whose one container is `name`, with `image` (YAML flow style)."""
    return "{containers: [{name: " + name + ", image: " + image + "}]}"


def _rendered_object(tool: ToolData, folder: Path, body: str, kind: str) -> dict[str, Any]:
    """The first object of `kind` that the environment `body` renders, which must have no error."""
    (folder / "_base.yaml").write_text(BASE)
    (folder / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [problem.message for problem in result.problems if problem.is_error] == []
    return next(
        document
        for file in result.files
        for document in file.documents
        if isinstance(document, dict) and document.get("kind") == kind
    )


def _ray_images(tool: ToolData, folder: Path, body: str) -> dict[str, Any]:
    """Each group's Ray container image in the rendered RayCluster c, and the submitter's of RayJob j."""
    (folder / "_base.yaml").write_text(BASE)
    (folder / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [problem.message for problem in result.problems if problem.is_error] == []
    images: dict[str, Any] = {}
    for file in result.files:
        for document in file.documents:
            if not isinstance(document, dict):
                continue
            if document.get("kind") == "RayCluster":
                spec = document["spec"]
                images["head"] = spec["headGroupSpec"]["template"]["spec"]["containers"][0].get("image")
                for group in spec.get("workerGroupSpecs", []):
                    images[group["groupName"]] = group["template"]["spec"]["containers"][0].get("image")
            if document.get("kind") == "RayJob" and "submitterPodTemplate" in document["spec"]:
                images["submitter"] = document["spec"]["submitterPodTemplate"]["spec"]["containers"][0]["image"]
    return images


def test_an_image_written_only_in_the_pod_template_is_the_group_image(tool: ToolData, environments: Path) -> None:
    body = f"""\
clusters:
  - name: c
    head: {{cpu: "1", podTemplate: {{spec: {_ray_container("ray-head", IMAGE)}}}}}
    workerGroups: [{{name: w, podTemplate: {{spec: {_ray_container("ray-worker", IMAGE)}}}}}]
"""
    assert _ray_images(tool, environments, body) == {"head": IMAGE, "w": IMAGE}


def test_an_image_written_only_through_spec_is_the_group_image(tool: ToolData, environments: Path) -> None:
    body = f"""\
clusters:
  - name: c
    head: {{cpu: "1"}}
    workerGroups: [{{name: w}}]
    spec:
      headGroupSpec: {{template: {{spec: {_ray_container("ray-head", IMAGE)}}}}}
      workerGroupSpecs: [{{groupName: w, template: {{spec: {_ray_container("ray-worker", IMAGE)}}}}}]
"""
    assert _ray_images(tool, environments, body) == {"head": IMAGE, "w": IMAGE}


def test_a_pod_template_image_takes_the_place_of_the_structured_one(tool: ToolData, environments: Path) -> None:
    body = f"""\
defaults: {{image: "{OTHER}", rayVersion: "2.41.0"}}
clusters:
  - name: c
    head: {{cpu: "1", podTemplate: {{spec: {_ray_container("ray-head", IMAGE)}}}}}
"""
    assert _ray_images(tool, environments, body) == {"head": IMAGE}
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert problems == [
        (
            "team.yaml",
            "ray-version-image",
            f"rayVersion 2.41.0 differs from Ray 2.46.0 of the image {IMAGE} that the head runs",
        )
    ]


def test_a_submitter_without_any_image_is_told_where_to_set_one(tool: ToolData, environments: Path) -> None:
    body = "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, submitter: {cpu: '1'}}]\n"
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert [(rule, text) for _, rule, text in problems] == [
        ("image-required", "no container image for this group"),
        ("image-required", "no container image for the submitter"),
    ]


def test_the_submitter_takes_the_heads_image_when_it_has_none(tool: ToolData, environments: Path) -> None:
    """The submitter's image: its podTemplate's, its own, else the head's (KubeRay's default submitter runs the
    head's image); the head's may be its own without any defaults.image."""
    body = f"""\
jobs:
  - name: j
    entrypoint: python x.py
    cluster: {{head: {{cpu: "1", image: "{IMAGE}"}}}}
    submitter: {{cpu: "1"}}
"""
    assert _ray_images(tool, environments, body)["submitter"] == IMAGE


def test_a_submitter_the_generator_writes_takes_the_head_image_that_spec_writes(
    tool: ToolData, environments: Path
) -> None:
    """Under restricted, the generator writes KubeRay's default submitter out (with a securityContext): its image
    is the head's as rendered, here only through the job's `spec` (this built a model without an image)."""
    body = f"""\
jobs:
  - name: j
    entrypoint: python x.py
    cluster: {{head: {{cpu: "1"}}}}
    spec:
      rayClusterSpec:
        headGroupSpec: {{template: {{spec: {_ray_container("ray-head", IMAGE)}}}}}
"""
    assert _ray_images(tool, environments, body) == {"submitter": IMAGE}


def test_a_cron_jobs_head_image_written_through_its_job_template_is_the_head_image(
    tool: ToolData, environments: Path
) -> None:
    body = f"""\
operator: {{install: true, featureGates: {{RayCronJob: true}}}}
cronJobs:
  - name: c
    schedule: "0 * * * *"
    job: {{entrypoint: python x.py, cluster: {{head: {{cpu: "1"}}}}, submitter: {{cpu: "1"}}}}
    spec:
      jobTemplate:
        rayClusterSpec:
          headGroupSpec: {{template: {{spec: {_ray_container("ray-head", IMAGE)}}}}}
"""
    template = _rendered_object(tool, environments, body, "RayCronJob")["spec"]["jobTemplate"]
    assert template["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"] == IMAGE
    assert template["submitterPodTemplate"]["spec"]["containers"][0]["image"] == IMAGE


HEAD_IMAGE_BY_SPEC = f"headGroupSpec: {{template: {{spec: {_ray_container('ray-head', IMAGE)}}}}}"


@pytest.mark.parametrize(
    ("cluster", "expected"),
    [
        # the image and rayVersion `spec` writes agree: no warning, though the structured rayVersion differs
        (f'head: {{cpu: "1"}}, rayVersion: "2.41.0", spec: {{rayVersion: "2.46.0", {HEAD_IMAGE_BY_SPEC}}}', []),
        # `spec` writes a rayVersion the structured image does not run
        (
            f'head: {{cpu: "1", image: "{IMAGE}"}}, spec: {{rayVersion: "2.41.0"}}',
            [f"rayVersion 2.41.0 differs from Ray 2.46.0 of the image {IMAGE} that the head runs"],
        ),
    ],
)
def test_the_ray_version_and_image_compared_are_those_rendered(
    tool: ToolData, environments: Path, cluster: str, expected: list[str]
) -> None:
    body = f'defaults: {{image: "{OTHER}"}}\nclusters: [{{name: c, {cluster}}}]\n'
    problems = problems_of(tool, environments, {"team": body}, BASE)
    assert [message for _, rule, message in problems if rule == "ray-version-image"] == expected
    assert [rule for _, rule, _ in problems if rule != "ray-version-image"] == []


NO_IMAGE = {
    # null removes the generated image in a podTemplate, as anywhere there
    "pod template null": f"""\
defaults: {{image: "{IMAGE}"}}
clusters:
  - name: c
    head: {{cpu: "1", podTemplate: {{spec: {_ray_container("ray-head", "null")}}}}}
""",
    # and through `spec`, for a worker group merged by its groupName
    "spec null": f"""\
defaults: {{image: "{IMAGE}"}}
clusters:
  - name: c
    head: {{cpu: "1"}}
    workerGroups: [{{name: w}}]
    spec:
      workerGroupSpecs: [{{groupName: w, template: {{spec: {_ray_container("ray-worker", "null")}}}}}]
""",
    # an image written for another container is not the Ray container's
    "another container": f"""\
clusters:
  - name: c
    head: {{cpu: "1", podTemplate: {{spec: {_ray_container("sidecar", IMAGE)}}}}}
""",
    # an empty list replaces the generated containers: no Ray container is left
    "pod template without containers": f"""\
defaults: {{image: "{IMAGE}"}}
clusters: [{{name: c, head: {{cpu: "1", podTemplate: {{spec: {{containers: []}}}}}}}}]
""",
    "spec without containers": f"""\
defaults: {{image: "{IMAGE}"}}
clusters: [{{name: c, head: {{cpu: "1"}}, spec: {{headGroupSpec: {{template: {{spec: {{containers: []}}}}}}}}}}]
""",
    "submitter null through spec": f"""\
jobs:
  - name: j
    entrypoint: python x.py
    cluster: {{head: {{cpu: "1", image: "{IMAGE}"}}}}
    submitter: {{cpu: "1"}}
    spec:
      submitterPodTemplate: {{spec: {_ray_container("ray-job-submitter", "null")}}}
""",
    "submitter null": f"""\
jobs:
  - name: j
    entrypoint: python x.py
    cluster: {{head: {{cpu: "1", image: "{IMAGE}"}}}}
    submitter: {{cpu: "1", podTemplate: {{spec: {_ray_container("ray-job-submitter", "null")}}}}}
""",
}


@pytest.mark.parametrize("case", sorted(NO_IMAGE))
def test_no_image_as_rendered_is_refused(tool: ToolData, environments: Path, case: str) -> None:
    problems = problems_of(tool, environments, {"team": NO_IMAGE[case]}, BASE)
    # the submitter would have the head's image, a group the default's: the message says what took it away
    if case.startswith("submitter"):
        wanted = "no container image for the submitter: its podTemplate or the job's spec leaves its container none"
    elif case == "another container":  # no image anywhere
        wanted = "no container image for this group"
    else:
        wanted = "no container image for this group: its podTemplate or the item's spec leaves its Ray container none"
    assert [(rule, text) for _, rule, text in problems] == [("image-required", wanted)]


AZURE = "{name: share, azureFile: {secretName: az, shareName: data}}"
WITH_IMAGE = f"defaults: {{image: '{IMAGE}'}}\n"
SOURCES = {
    # a source the structured volumes do not offer, written in the podTemplate beside the structured mount
    "pod template": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', volumes: [{name: share, mountPath: /mnt/share}], "
        f"podTemplate: {{spec: {{volumes: [{AZURE}]}}}}}}}}]\n",
        None,
    ),
    # a volume of `defaults` is in every group: each group's source through `spec`, but one group has none
    "spec, one group without": (
        f"defaults: {{image: '{IMAGE}', volumes: [{{name: share, mountPath: /mnt/share}}]}}\n"
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}, {name: v}], spec: {headGroupSpec: "
        f"{{template: {{spec: {{volumes: [{AZURE}]}}}}}}, workerGroupSpecs: [{{groupName: w, template: {{spec: "
        f"{{volumes: [{AZURE}]}}}}}}]}}}}]\n",
        ("volume-without-source", "volume 'share' has no source, so Kubernetes makes it an emptyDir"),
    ),
    # the merge keeps the structured source beside the podTemplate's: the API server refuses two
    "two after the merge": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', volumes: [{name: share, mountPath: /mnt/share, "
        "emptyDir: {}}], podTemplate: {spec: {volumes: [{name: share, persistentVolumeClaim: {claimName: x}}]}}}}]\n",
        ("volume-source", "volume 'share' has more than one source: emptyDir, persistentVolumeClaim"),
    ),
    # a volume that only the podTemplate and `spec` write, merged by name
    "pass-through only": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {volumes: [{name: share, "
        "emptyDir: {}}]}}}, spec: {headGroupSpec: {template: {spec: {volumes: [{name: share, configMap: {name: "
        "x}}]}}}}}]\n",
        ("volume-source", "volume 'share' has more than one source: configMap, emptyDir"),
    ),
    # unless its null removes the structured one
    "null removes": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', volumes: [{name: share, mountPath: /mnt/share, "
        "emptyDir: {}}], podTemplate: {spec: {volumes: [{name: share, emptyDir: null, persistentVolumeClaim: "
        "{claimName: x}}]}}}}]\n",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_a_volume_has_one_source_as_rendered(tool: ToolData, environments: Path, case: str) -> None:
    body, message = SOURCES[case]
    base = BASE + "podSecurity: baseline\n"  # Pod Security restricted allows no azureFile
    problems = problems_of(tool, environments, {"team": body}, base)
    assert [(rule, text) for _, rule, text in problems] == ([message] if message else [])


def _head_pod(tool: ToolData, folder: Path, body: str) -> dict[str, Any]:
    pod: dict[str, Any] = _rendered_object(tool, folder, body, "RayCluster")["spec"]["headGroupSpec"]["template"][
        "spec"
    ]
    return pod


def test_an_autoscaler_that_only_spec_turns_on_keeps_the_heads_token(tool: ToolData, environments: Path) -> None:
    """The autoscaler sidecar scales the cluster through the API with the head pod's token: the generator turns
    the token off where nothing needs it, and must not where `spec` writes enableInTreeAutoscaling."""
    body = f"""\
podSecurity: baseline
defaults: {{image: "{IMAGE}"}}
clusters: [{{name: c, head: {{cpu: "1"}}, workerGroups: [{{name: w}}], spec: {{enableInTreeAutoscaling: ON}}}}]
"""
    assert "automountServiceAccountToken" not in _head_pod(tool, environments, body.replace("ON", "true"))
    assert _head_pod(tool, environments, body.replace("ON", "false"))["automountServiceAccountToken"] is False


V2_ENV = """\
kuberay: {version: 1.6.0}
podSecurity: privileged
defaults: {image: "rayproject/ray:2.46.0"}
clusters:
  - name: c
    head: {cpu: "1", env: [{name: RAY_enable_autoscaler_v2, value: "1"}]}
    workerGroups: [{name: w, minReplicas: 0, maxReplicas: 3}]
"""


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        # the autoscaler is on as rendered: the variable asks for v2 of a cluster that runs one (validation.go:206)
        ("    spec: {enableInTreeAutoscaling: true}\n", None),
        ("", "RAY_enable_autoscaler_v2 asks for autoscaler v2, but the cluster has no autoscaler"),
        # the version that `spec` writes beside the variable (validation.go:221)
        (
            "    autoscaling: {enabled: true}\n    spec: {autoscalerOptions: {version: v2}}\n",
            "RAY_enable_autoscaler_v2 and autoscaling.version both choose the autoscaler's version",
        ),
    ],
)
def test_the_autoscaler_v2_variable_is_checked_against_the_autoscaler_as_rendered(
    tool: ToolData, environments: Path, cluster: str, message: str | None
) -> None:
    problems = problems_of(tool, environments, {"team": V2_ENV + cluster}, BASE)
    assert [(rule, text) for _, rule, text in problems] == ([("autoscaler-v2-env", message)] if message else [])


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # the podTemplate removes the limit the cpu shorthand sets: no limit to exceed
        ("{cpu: '1', requests: {cpu: '2'}, podTemplate: {spec: {containers: [{name: ray-head, resources: {limits: "
         "{cpu: null}}}]}}}", []),
        ("{cpu: '1', requests: {cpu: '2'}, podTemplate: {spec: {containers: [{name: ray-head, resources: {limits: "
         "{cpu: '4'}}}]}}}", []),
        # and a request the podTemplate raises above the shorthand's limit, reported where it is written
        (
            "{cpu: '2', podTemplate: {spec: {containers: [{name: ray-head, resources: {requests: {cpu: '4'}}}]}}}",
            [
                (
                    ("clusters", 0, "head", "podTemplate", "spec", "containers", 0, "resources", "requests", "cpu"),
                    "the cpu request 4 is more than its limit 2",
                )
            ],
        ),
    ],
)  # fmt: skip
def test_requests_and_limits_compared_are_those_rendered(
    tool: ToolData, environments: Path, head: str, expected: list[tuple[tuple[Any, ...], str]]
) -> None:
    (environments / "_base.yaml").write_text(BASE)
    body = f"defaults: {{image: '{IMAGE}'}}\nclusters: [{{name: c, head: {head}}}]\n"
    (environments / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
    assert [(problem.path, problem.message) for problem in result.problems] == expected


JOB_WITHOUT_ENTRYPOINT = {
    # the submitter's command that the job's `spec` writes: KubeRay keeps it (rayjob_controller.go:642-646 at v1.7.0)
    "command through spec": (
        "jobs: [{name: j, cluster: {head: {cpu: '1'}}, submitter: {cpu: '1'}, spec: {submitterPodTemplate: {spec: "
        "{containers: [{name: ray-job-submitter, command: [sh, -c, 'ray job submit -- python a.py']}]}}}}]\n",
        [],
    ),
    # a RayCronJob's entrypoint written through its spec's jobTemplate
    "cron entrypoint through spec": (
        "cronJobs: [{name: c, schedule: '0 * * * *', job: {cluster: {head: {cpu: '1'}}}, spec: {jobTemplate: "
        "{entrypoint: python a.py}}}]\n",
        [],
    ),
    "cron without": (
        "cronJobs: [{name: c, schedule: '0 * * * *', job: {cluster: {head: {cpu: '1'}}}}]\n",
        [("job-entrypoint", "job 'c' needs an entrypoint")],
    ),
}


@pytest.mark.parametrize("case", sorted(JOB_WITHOUT_ENTRYPOINT))
def test_an_entrypoint_or_submitter_command_written_through_spec_counts(
    tool: ToolData, environments: Path, case: str
) -> None:
    body, expected = JOB_WITHOUT_ENTRYPOINT[case]
    base = BASE + "operator: {install: true, featureGates: {RayCronJob: true}}\n"
    problems = problems_of(tool, environments, {"team": WITH_IMAGE + body}, base)
    assert [(rule, message) for _, rule, message in problems] == expected


IMPLICIT_SUBMITTER = "no container image for the submitter: the job's spec leaves its submitterPodTemplate none"
ODD = {
    # values of the wrong type on the way to the Ray container's GPUs or tolerations: the CRD check's to name, not
    # a rule's about what they replaced (the rules run first, and their errors would hide the CRD's)
    "tolerations a number through spec": (
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1}], spec: {workerGroupSpecs: "
        "[{groupName: w, template: {spec: {tolerations: 5}}}]}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.workerGroupSpecs[0].template.spec.tolerations: expected a list, got an "
                "integer 5",
            )
        ],
    ),
    "tolerations a number in the pod template": (
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, podTemplate: {spec: {tolerations: "
        "5}}}]}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.workerGroupSpecs[0].template.spec.tolerations: expected a list, got an "
                "integer 5",
            )
        ],
    ),
    "a GPU limit that is no quantity": (
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, tolerations: [{key: nvidia.com/gpu, "
        "operator: Exists}], rayStartParams: {num-gpus: '1'}}], spec: {workerGroupSpecs: [{groupName: w, template: "
        "{spec: {containers: [{name: ray-worker, resources: {limits: {nvidia.com/gpu: '1x'}}}]}}}]}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.workerGroupSpecs[0].template.spec.containers[0].resources.limits"
                "['nvidia.com/gpu']: \"1x\" is not a Kubernetes quantity",
            )
        ],
    ),
    "resources a number through spec": (
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, tolerations: [{key: nvidia.com/gpu, "
        "operator: Exists}], rayStartParams: {num-gpus: '1'}}], spec: {workerGroupSpecs: [{groupName: w, template: "
        "{spec: {containers: [{name: ray-worker, resources: 5}]}}}]}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.workerGroupSpecs[0].template.spec.containers[0].resources: expected a "
                "mapping, got an integer 5",
            )
        ],
    ),
    "containers of numbers through spec": (
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, rayStartParams: {num-gpus: '1'}}], "
        "spec: {workerGroupSpecs: [{groupName: w, template: {spec: {containers: [5]}}}]}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.workerGroupSpecs[0].template.spec.containers[0]: expected a mapping, got "
                "an integer 5",
            )
        ],
    ),
    # the submitter the generator writes under restricted, whose only container `spec` empties: no image
    "implicit submitter emptied": (
        "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, spec: {submitterPodTemplate: {spec: "
        "{containers: []}}}}]\n",
        [("image-required", IMPLICIT_SUBMITTER)],
    ),
    "implicit submitter image null": (
        "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, spec: {submitterPodTemplate: {spec: "
        "{containers: [{name: ray-job-submitter, image: null}]}}}}]\n",
        [("image-required", IMPLICIT_SUBMITTER)],
    ),
    # `spec` removes the command the podTemplate gives the submitter: it submits nothing, with no entrypoint
    "command removed": (
        "jobs: [{name: j, cluster: {head: {cpu: '1'}}, submitter: {podTemplate: {spec: {containers: [{name: "
        "ray-job-submitter, command: [sh, -c, echo]}]}}}, spec: {submitterPodTemplate: {spec: {containers: [{name: "
        "ray-job-submitter, command: null}]}}}}]\n",
        [("job-entrypoint", "job 'j' needs an entrypoint")],
    ),
    # `spec` raises the limit that the cpu shorthand sets
    "limit raised by spec": (
        "clusters: [{name: c, head: {cpu: '1', requests: {cpu: '2'}}, spec: {headGroupSpec: {template: {spec: "
        "{containers: [{name: ray-head, resources: {limits: {cpu: '4'}}}]}}}}}]\n",
        [],
    ),
    # `spec` removes the limits: nothing to exceed
    "limits removed by spec": (
        "clusters: [{name: c, head: {cpu: '1', requests: {cpu: '2'}}, spec: {headGroupSpec: {template: {spec: "
        "{containers: [{name: ray-head, resources: {limits: null}}]}}}}}]\n",
        [],
    ),
    # volumes only `spec` writes, each reported where it is written
    "two spec volumes": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {template: {spec: "
        "{volumes: [{name: a, emptyDir: {}, configMap: {name: a}}, {name: b, emptyDir: {}, secret: {secretName: "
        "b}}]}}}}}]\n",
        [
            ("volume-source", "volume 'a' has more than one source: configMap, emptyDir"),
            ("volume-source", "volume 'b' has more than one source: emptyDir, secret"),
        ],
    ),
    # a podTemplate list with an item without a name replaces the generated volumes instead of merging
    "volumes replaced": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', volumes: [{name: s, mountPath: /s, emptyDir: "
        "{}}], podTemplate: {spec: {volumes: [{name: s, configMap: {name: x}}, {emptyDir: {}}]}}}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.volumes[1]: missing required field 'name'",
            )
        ],
    ),
    # after a list that replaced the generated ones, `spec`'s list replaces that one in turn (both sides of a
    # merge by name must be keyed): KubeRay runs containers[0]
    "replaced, then spec's container": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: []}}}, spec: "
        "{headGroupSpec: {template: {spec: {containers: [{name: other, image: z}]}}}}}]\n",
        [],
    ),
    "replaced, then spec's volumes": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {volumes: [{name: a, "
        "configMap: {name: x}}, {emptyDir: {}}]}}}, spec: {headGroupSpec: {template: {spec: {volumes: [{name: a, "
        "secret: {secretName: s}}]}}}}}]\n",
        [],
    ),
    "replaced, then spec's resources": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: "
        "ray-head, image: x, resources: {requests: {cpu: '2'}}}, {image: y}]}}}, spec: {headGroupSpec: {template: "
        "{spec: {containers: [{name: ray-head, image: x, resources: {limits: {cpu: '1'}}}]}}}}}]\n",
        [],
    ),
    # a replacing list's first container is the Ray container: its image counts, its missing name is the CRD's
    "replaced by a nameless container": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{image: "
        "x}]}}}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.containers[0]: missing required field 'name'",
            )
        ],
    ),
    # a null removes the containers, with the variables of the Ray container: only the missing image is left
    "containers null": (
        "clusters: [{name: c, head: {cpu: '1', env: [{name: RAY_enable_autoscaler_v2, value: '1'}], podTemplate: "
        "{spec: {containers: null}}}}]\n",
        [
            (
                "image-required",
                "no container image for this group: its podTemplate or the item's spec leaves its Ray container none",
            )
        ],
    ),
    # values of the wrong type are the CRD check's to report, not a crash
    "volume name a list": (
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {volumes: [{name: [a], "
        "emptyDir: {}}]}}}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.volumes[0].name: expected text, got a list",
            )
        ],
    ),
    "containers a number": (
        "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, spec: {submitterPodTemplate: {spec: "
        "{containers: 5}}}}]\n",
        [
            (
                "crd-schema",
                "rendered RayJob j, spec.submitterPodTemplate.spec.containers: expected a list, got an integer 5",
            )
        ],
    ),
    "resources a list": (
        "clusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: ray-head, resources: "
        "[1]}]}}}}]\n",
        [
            (
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.containers[0].resources: expected a mapping, "
                "got a list",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(ODD))
def test_odd_pass_through_values_are_read_as_rendered(tool: ToolData, environments: Path, case: str) -> None:
    body, expected = ODD[case]
    problems = problems_of(tool, environments, {"team": WITH_IMAGE + body}, BASE)
    assert [(rule, message) for _, rule, message in problems] == expected


HEAD_CONTAINER_PATH = ("clusters", 0, "spec", "headGroupSpec", "template", "spec", "containers", 0)
V2_OFF = "RAY_enable_autoscaler_v2 asks for autoscaler v2, but the cluster has no autoscaler"
TLS_BASE = (
    "kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterMTLS: true}}\n"
    f"defaults: {{image: '{IMAGE}'}}\n"
)
AS_WRITTEN = {
    # a variable only the item's `spec` writes, reported where it writes it
    "spec writes it": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {template: {spec: {containers: "
        "[{name: ray-head, env: [{name: RAY_enable_autoscaler_v2, value: '1'}]}]}}}}}]\n",
        [((*HEAD_CONTAINER_PATH, "env", 0, "name"), "autoscaler-v2-env", V2_OFF)],
    ),
    # `spec` writes the structured variable's value over: the rendered one is off
    "spec turns it off": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', env: [{name: RAY_enable_autoscaler_v2, value: '1'}]}, "
        "spec: {headGroupSpec: {template: {spec: {containers: [{name: ray-head, env: [{name: "
        "RAY_enable_autoscaler_v2, value: 'false'}]}]}}}}}]\n",
        [],
    ),
    # an empty list replaces the generated env, a null removes it (input/resolve.py)
    "pod template empties it": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', env: [{name: RAY_enable_autoscaler_v2, value: '1'}], "
        "podTemplate: {spec: {containers: [{name: ray-head, env: []}]}}}}]\n",
        [],
    ),
    "spec removes it": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', env: [{name: RAY_enable_autoscaler_v2, value: '1'}]}, "
        "spec: {headGroupSpec: {template: {spec: {containers: [{name: ray-head, env: null}]}}}}}]\n",
        [],
    ),
    # a worker group's variable written through `spec`, found by the group's name
    "spec writes a worker's": (
        TLS_BASE + "clusters: [{name: c, tlsOptions: {enabled: true}, head: {cpu: '1'}, workerGroups: [{name: a}, "
        "{name: b}], spec: {workerGroupSpecs: [{groupName: b, template: {spec: {containers: [{name: ray-worker, "
        "env: [{name: RAY_USE_TLS, value: '1'}]}]}}}]}}]\n",
        [
            (
                ("clusters", 0, "spec", "workerGroupSpecs", 0, "template", "spec", "containers", 0, "env", 0, "name"),
                "tls-options",
                "RAY_USE_TLS cannot be set with tlsOptions",
            )
        ],
    ),
    # a mount the structured volumes write, moved by `spec` to another path: nothing left at the TLS path
    "spec moves a mount": (
        TLS_BASE + "clusters: [{name: c, tlsOptions: {enabled: true}, head: {cpu: '1', volumes: [{name: certs, "
        "mountPath: /etc/ray/tls, emptyDir: {}}]}, spec: {headGroupSpec: {template: {spec: {containers: [{name: "
        "ray-head, volumeMounts: []}]}}}}}]\n",
        [],
    ),
    # a request that `spec` raises above the shorthand's limit, reported where `spec` writes it
    "spec raises a request": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '2'}, spec: {headGroupSpec: {template: {spec: {containers: "
        "[{name: ray-head, resources: {requests: {cpu: '4'}}}]}}}}}]\n",
        [
            (
                (*HEAD_CONTAINER_PATH, "resources", "requests", "cpu"),
                "requests-within-limits",
                "the cpu request 4 is more than its limit 2",
            )
        ],
    ),
}


SPEC_GROUP = ("clusters", 0, "spec", "headGroupSpec")
AS_WRITTEN |= {
    # third review: a groupName that is no text (it crashed serve-gpus-fit)
    "a groupName that is a list": (
        "podSecurity: baseline\n" + WITH_IMAGE + "services: [{name: s, serveConfig: {applications: [{name: a, "
        "import_path: 'm:app', deployments: [{name: d}]}]}, cluster: {head: {cpu: '1'}, workerGroups: [{name: w, "
        "cpu: '1'}]}, spec: {rayClusterConfig: {workerGroupSpecs: [{groupName: [x], minReplicas: 0, maxReplicas: 1, "
        "template: {spec: {containers: [{name: w, image: i}]}}}]}}}]\n",
        [
            (
                ("services", 0, "spec", "rayClusterConfig", "workerGroupSpecs", 0, "groupName"),
                "crd-schema",
                "rendered RayService s, spec.rayClusterConfig.workerGroupSpecs[0].groupName: expected text, got a list",
            )
        ],
    ),
    # a patch that mends what `spec` broke: the read-back rules need a schema-valid object before the patches
    # too (reading [5] back crashed importer/convert.py)
    "a patch over containers that are no mappings": (
        "podSecurity: baseline\n" + WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: "
        "{template: {spec: {containers: [5]}}}}}]\npatches: [{target: {kind: RayCluster, name: c}, patch: "
        "{apiVersion: ray.io/v1, kind: RayCluster, metadata: {name: c}, spec: {headGroupSpec: {template: {spec: "
        "{containers: [{name: ray-head, image: y}]}}}}}}]\n",
        [
            (
                HEAD_CONTAINER_PATH,
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.containers[0]: expected a mapping, got an "
                "integer 5",
            )
        ],
    ),
    # no submitter runs outside K8sJobMode, whatever pod `spec` writes for it (rayjob_controller.go:589)
    "a submitter pod of HTTPMode": (
        "podSecurity: baseline\n" + WITH_IMAGE + "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: "
        "'1'}}, spec: {submissionMode: HTTPMode, submitterPodTemplate: {spec: {containers: [{name: "
        "ray-job-submitter}]}}}}]\n",
        [],
    ),
    # an image or a rayStartParams value of the wrong type is the CRD check's to name
    "a submitter image that is a list": (
        "podSecurity: baseline\n" + WITH_IMAGE + "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: "
        "'1'}}, spec: {submitterPodTemplate: {spec: {restartPolicy: Never, containers: [{name: ray-job-submitter, "
        "image: []}]}}}}]\n",
        [
            (
                ("jobs", 0, "spec", "submitterPodTemplate", "spec", "containers", 0, "image"),
                "crd-schema",
                "rendered RayJob j, spec.submitterPodTemplate.spec.containers[0].image: expected text, got a list",
            )
        ],
    ),
    "a group image that is a list": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {template: {spec: {containers: "
        "[{name: ray-head, image: []}]}}}}}]\n",
        [
            (
                (*HEAD_CONTAINER_PATH, "image"),
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.containers[0].image: expected text, got a "
                "list",
            )
        ],
    ),
    "a start param of spec that is a number": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', rayResources: {TPU: '4'}}, spec: {headGroupSpec: "
        "{rayStartParams: {num-cpus: 0}}}}]\n",
        [
            (
                (*SPEC_GROUP, "rayStartParams", "num-cpus"),
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.rayStartParams.num-cpus: expected text, got an integer 0",
            )
        ],
    ),
    # no image anywhere: removing what the podTemplate writes would not give one
    "a submitter without any image, its containers null": (
        "defaults: {image: null}\njobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, submitter: "
        "{podTemplate: {spec: {containers: null}}}}]\n",
        [
            (("jobs", 0, "cluster", "head"), "image-required", "no container image for this group"),
            (("jobs", 0, "submitter"), "image-required", "no container image for the submitter"),
        ],
    ),
    # a list that `spec` writes whole (not keyed by name) is found by position: the CRD's problem is reported at
    # the item `spec` wrote (validate/provenance.py)
    "a container of spec's list that is no mapping": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}], spec: {workerGroupSpecs: "
        "[{groupName: w, template: {spec: {containers: [5]}}}]}}]\n",
        [
            (
                ("clusters", 0, "spec", "workerGroupSpecs", 0, "template", "spec", "containers", 0),
                "crd-schema",
                "rendered RayCluster c, spec.workerGroupSpecs[0].template.spec.containers[0]: expected a mapping, got "
                "an integer 5",
            )
        ],
    ),
    # a submitter pod that only the job's `spec` writes is KubeRay's whole (GetSubmitterTemplate): its first
    # container needs an image
    "submitter pod only spec writes, without an image": (
        "podSecurity: baseline\n" + WITH_IMAGE + "jobs: [{name: j, cluster: {head: {cpu: '1'}}, spec: "
        "{submitterPodTemplate: {spec: {restartPolicy: Never, containers: [{name: mine, command: [ray, job, submit, "
        "--, python, x.py]}]}}}}]\n",
        [
            (
                ("jobs", 0, "spec", "submitterPodTemplate", "spec", "containers", 0),
                "image-required",
                "no container image for the submitter: KubeRay runs the first container of the submitterPodTemplate "
                "that the job's spec writes, which has none",
            )
        ],
    ),
    # tolerations that replace the group's: reported at the list that wins
    "tolerations replaced by the pod template": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, tolerations: [{key: "
        "nvidia.com/gpu, operator: Exists}], podTemplate: {spec: {tolerations: [{key: other, operator: "
        "Exists}]}}}]}]\n",
        [
            (
                ("clusters", 0, "workerGroups", 0, "podTemplate", "spec", "tolerations"),
                "gpu-toleration",
                "this group asks for NVIDIA GPUs but tolerates no nvidia.com/gpu taint: on tainted GPU nodes its pods "
                "stay Pending",
            )
        ],
    ),
    "tolerations removed by spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, tolerations: [{key: "
        "nvidia.com/gpu, operator: Exists}]}], spec: {workerGroupSpecs: [{groupName: w, template: {spec: "
        "{tolerations: null}}}]}}]\n",
        [
            (
                ("clusters", 0, "spec", "workerGroupSpecs", 0, "template", "spec", "tolerations"),
                "gpu-toleration",
                "this group asks for NVIDIA GPUs but tolerates no nvidia.com/gpu taint: on tainted GPU nodes its pods "
                "stay Pending",
            )
        ],
    ),
    # an image that a layer takes away is reported there, whether or not the structured fields give one
    "image taken away without a default": (
        "defaults: {image: null}\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: "
        "ray-head, image: 'rayproject/ray:2.46.0'}]}}}, spec: {headGroupSpec: {template: {spec: {containers: [{name: "
        "ray-head, image: null}]}}}}}]\n",
        [
            (
                (*HEAD_CONTAINER_PATH, "image"),
                "image-required",
                "no container image for this group: its podTemplate or the item's spec leaves its Ray container none",
            )
        ],
    ),
    # the GCS options `spec` removes: rayStartParams may carry a Redis password again (only plaintext-secret)
    "gcs options removed by spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, gcsFaultTolerance: {redisAddress: 'redis:6379'}, spec: "
        "{gcsFaultToleranceOptions: null, headGroupSpec: {rayStartParams: {redis-password: secret}}}}]\n",
        [
            (
                (*SPEC_GROUP, "rayStartParams", "redis-password"),
                "plaintext-secret",
                "looks like a plaintext secret (a value stored under redis-password), which would be committed to Git",
            )
        ],
    ),
    # a worker group that only `spec` writes has GPUs too (serve-gpus-fit)
    "gpu group only spec writes": (
        "podSecurity: baseline\n" + WITH_IMAGE + "services: [{name: s, serveConfig: {applications: [{name: a, "
        "import_path: 'a:b', deployments: [{name: d, ray_actor_options: {num_gpus: 1}}]}]}, cluster: {head: {cpu: "
        "'1'}}, spec: {rayClusterConfig: {workerGroupSpecs: [{groupName: gpu, replicas: 1, minReplicas: 1, "
        "maxReplicas: 1, rayStartParams: {}, template: {spec: {containers: [{name: ray-worker, image: "
        "'rayproject/ray:2.46.0', resources: {limits: {nvidia.com/gpu: 1}}}]}}}]}}}]\n",
        [],
    ),
    # the operator tests rayStartParams for "" (validation.go:40-70 at v1.5.0): a 0 is "0", set
    "num-cpus 0 beside rayResources": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: 0}, rayResources: {TPU: "
        "'4'}}}]\n",
        [
            (
                ("clusters", 0, "head", "rayStartParams", "num-cpus"),
                "ray-group-params",
                "rayStartParams.num-cpus and rayResources both give the group's Ray resources",
            )
        ],
    ),
    # a quantity past Decimal's exponent is no quantity (it crashed gpu-count); `ray start` takes no exponent
    "num-gpus past the exponent": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, rayStartParams: {num-gpus: "
        "'1e999999999'}}]}]\n",
        [
            (
                ("clusters", 0, "workerGroups", 0, "rayStartParams", "num-gpus"),
                "ray-start-numbers",
                "num-gpus is rendered as '1e999999999', which `ray start` does not read: it takes a whole number, "
                "not negative",
            )
        ],
    ),
    # a list not keyed by name replaces the generated env, and the next list then replaces it in turn
    "env replaced twice": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: ray-head, env: "
        "[{name: RAY_enable_autoscaler_v2, value: '1'}, {value: x}]}]}}}, spec: {headGroupSpec: {template: {spec: "
        "{containers: [{name: ray-head, env: [{name: B, value: '2'}]}]}}}}}]\n",
        [],
    ),
    # the GPUs that `spec` gives the Ray container (gpu-count), and the tolerations it writes or empties
    "gpus through spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, tolerations: [{key: "
        "nvidia.com/gpu, operator: Exists}], rayStartParams: {num-gpus: '4'}}], spec: {workerGroupSpecs: [{groupName: "
        "w, template: {spec: {containers: [{name: ray-worker, resources: {limits: {nvidia.com/gpu: 4}, requests: "
        "{nvidia.com/gpu: 4}}}]}}}]}}]\n",
        [],
    ),
    "toleration through spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1}], spec: "
        "{workerGroupSpecs: [{groupName: w, template: {spec: {tolerations: [{key: nvidia.com/gpu, operator: "
        "Exists}]}}}]}}]\n",
        [],
    ),
    "toleration emptied by spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, tolerations: [{key: "
        "nvidia.com/gpu, operator: Exists}]}], spec: {workerGroupSpecs: [{groupName: w, template: {spec: "
        "{tolerations: []}}}]}}]\n",
        [
            (
                ("clusters", 0, "spec", "workerGroupSpecs", 0, "template", "spec", "tolerations"),
                "gpu-toleration",
                "this group asks for NVIDIA GPUs but tolerates no nvidia.com/gpu taint: on tainted GPU nodes its pods "
                "stay Pending",
            )
        ],
    ),
    # without a submitter of the generator's, the one `spec` writes is the pod, whose first container runs its
    # own command (common/job.go GetSubmitterTemplate at v1.7.0): no entrypoint is needed
    "submitter pod only spec writes": (
        "podSecurity: baseline\n" + WITH_IMAGE + "jobs: [{name: j, cluster: {head: {cpu: '1'}}, spec: "
        "{submitterPodTemplate: {spec: {restartPolicy: Never, containers: [{name: my-submitter, image: "
        "'rayproject/ray:2.46.0', command: [ray, job, submit, --, python, x.py]}]}}}}]\n",
        [],
    ),
    # limits that are no mapping: the CRD check's, not a comparison with what they replaced
    "limits a number": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {template: {spec: {containers: "
        "[{name: ray-head, resources: {requests: {cpu: 5}, limits: 3}}]}}}}}]\n",
        [
            (
                (*HEAD_CONTAINER_PATH, "resources", "limits"),
                "crd-schema",
                "rendered RayCluster c, spec.headGroupSpec.template.spec.containers[0].resources.limits: expected a "
                "mapping, got an integer 3",
            )
        ],
    ),
    # an image taken away is reported where it was: here the null list of containers
    "containers null through spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {template: {spec: {containers: "
        "null}}}}}]\n",
        [
            (
                (*SPEC_GROUP, "template", "spec", "containers"),
                "image-required",
                "no container image for this group: its podTemplate or the item's spec leaves its Ray container none",
            )
        ],
    ),
    "submitter containers null through spec": (
        WITH_IMAGE + "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, submitter: {cpu: '1'}, "
        "spec: {submitterPodTemplate: {spec: {containers: null}}}}]\n",
        [
            (
                ("jobs", 0, "spec", "submitterPodTemplate", "spec", "containers"),
                "image-required",
                "no container image for the submitter: its podTemplate or the job's spec leaves its container none",
            )
        ],
    ),
    # rayStartParams as rendered: `spec` removes one the operator would refuse beside rayResources (1.5.0)...
    "start param removed by spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: '0'}, rayResources: {TPU: "
        "'4'}}, spec: {headGroupSpec: {rayStartParams: {num-cpus: null}}}}]\n",
        [],
    ),
    # ... and writes ones that the rules refuse, reported where it writes them
    "start param through spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {rayStartParams: {num-cpus: "
        "two}}}}]\n",
        [
            (
                (*SPEC_GROUP, "rayStartParams", "num-cpus"),
                "ray-start-numbers",
                "num-cpus is rendered as 'two', which `ray start` does not read: it takes a whole number, not negative",
            )
        ],
    ),
    "start params beside resources through spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, spec: {headGroupSpec: {rayStartParams: {num-cpus: "
        "'1'}, resources: {TPU: '4'}}}}]\n",
        [
            (
                (*SPEC_GROUP, "rayStartParams", "num-cpus"),
                "ray-group-params",
                "rayStartParams.num-cpus and rayResources both give the group's Ray resources",
            )
        ],
    ),
    "redis password through spec": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, gcsFaultTolerance: {redisAddress: 'redis:6379'}, spec: "
        "{headGroupSpec: {rayStartParams: {redis-password: x}}}}]\n",
        [
            (
                (*SPEC_GROUP, "rayStartParams", "redis-password"),
                "gcs-fault-tolerance",
                "redis-password cannot be set in rayStartParams with gcsFaultTolerance",
            ),
            (
                (*SPEC_GROUP, "rayStartParams", "redis-password"),
                "plaintext-secret",
                "looks like a plaintext secret (a value stored under redis-password), which would be committed to Git",
            ),
        ],
    ),
}


AS_WRITTEN |= {
    # a podTemplate swaps the group's value for a valueFrom: null removes the value (it was reported as both)
    "env value swapped for valueFrom": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', env: [{name: POD, value: head}], podTemplate: {spec: "
        "{containers: [{name: ray-head, env: [{name: POD, value: null, valueFrom: {fieldRef: {fieldPath: "
        "metadata.name}}}]}]}}}}]\n",
        [],
    ),
    # an empty value is none to the API server (validateEnvVarValueFrom), as Helm charts write it
    "env empty value beside valueFrom": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', env: [{name: POD, value: '', valueFrom: {fieldRef: "
        "{fieldPath: metadata.name}}}]}}]\n",
        [],
    ),
    "env value beside valueFrom": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', env: [{name: POD, value: ' ', valueFrom: {fieldRef: "
        "{fieldPath: metadata.name}}}]}}]\n",
        [
            (
                ("clusters", 0, "head", "env", 0, "valueFrom"),
                "env-value-or-value-from",
                "environment variable 'POD' sets both value and valueFrom",
            )
        ],
    ),
    # KubeRay leaves an option that is false out of `ray start` (convertParamMap)
    "num-cpus false": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: 'false'}}}]\n",
        [],
    ),
    # ... and passes any other as --num-cpus=VALUE in a shell command, which a space splits
    "num-cpus with a space": (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: ' 1'}}}]\n",
        [
            (
                ("clusters", 0, "head", "rayStartParams", "num-cpus"),
                "ray-start-numbers",
                "num-cpus is rendered as ' 1', which `ray start` does not read: it takes a whole number, not negative",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(AS_WRITTEN))
def test_group_values_are_read_as_rendered_and_reported_where_written(
    tool: ToolData, environments: Path, case: str
) -> None:
    """One reading of a container's layers (model/build.py container_layers) for the image, resources, env and
    mounts, and of a group's rayStartParams and rayResources (group_mapping): what the podTemplate and then the
    item's `spec` write, merged as input/resolve.py merges, and each problem at the place that wrote the value."""
    body, expected = AS_WRITTEN[case]
    (environments / "_base.yaml").write_text(BASE)
    (environments / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
    assert [(problem.path, problem.rule, problem.message) for problem in result.problems] == expected


def test_a_problem_of_a_group_only_spec_writes_is_located_in_spec(tool: ToolData, environments: Path) -> None:
    """The whole entry of a worker group that no structured group has is the item's `spec`'s: a problem of a
    field it leaves out (the securityContext restricted asks for) is located at its nearest part in `spec`, not
    at a structured group that does not exist (validate/provenance.py)."""
    body = (
        WITH_IMAGE + "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}], spec: {workerGroupSpecs: "
        "[{groupName: extra, replicas: 1, minReplicas: 1, maxReplicas: 1, rayStartParams: {}, template: {spec: "
        "{containers: [{name: ray-worker, image: 'rayproject/ray:2.46.0'}]}}}]}}]\n"
    )
    (environments / "_base.yaml").write_text(BASE)
    (environments / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
    container = ("clusters", 0, "spec", "workerGroupSpecs", 0, "template", "spec", "containers", 0)
    assert {(problem.path, problem.rule) for problem in result.problems} == {(container, "pod-security")}
    # the file's own place of that container: after `spec:`, not at `workerGroups:`
    spec_column = body.splitlines()[1].index("spec: {workerGroupSpecs") + 1
    assert all(problem.location and problem.location.column > spec_column for problem in result.problems)


# a structured worker group that the item's `spec` writes away, with what rules would say of it were it rendered:
# GPUs without a toleration (gpu-toleration), replicas above maxReplicas (worker-replica-range at 1.6.0),
# idleTimeoutSeconds without the v2 autoscaler (worker-idle-timeout)
DROPPED = (
    "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: gpu, gpu: 1, replicas: 5, minReplicas: 3, "
    "maxReplicas: 2, idleTimeoutSeconds: 60}], spec: {workerGroupSpecs: %s}}]\n"
)


@pytest.mark.parametrize("written", ["[]", "null"])
def test_worker_groups_that_spec_writes_away_are_not_checked(tool: ToolData, environments: Path, written: str) -> None:
    """workerGroupSpecs written as an empty list or a null in `spec` leave the rendered RayCluster without the
    structured worker groups (the merge of input/resolve.py): no rule speaks of them."""
    body = WITH_IMAGE + DROPPED % written
    assert [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": body}, BASE)] == []
    rendered = _rendered_object(tool, environments, body, "RayCluster")
    assert rendered["spec"].get("workerGroupSpecs", []) == []


def test_worker_groups_that_spec_merges_into_are_checked(tool: ToolData, environments: Path) -> None:
    body = WITH_IMAGE + DROPPED % "[{groupName: gpu, rayStartParams: {}}]"
    assert sorted(rule for _, rule, _ in problems_of(tool, environments, {"team": body}, BASE)) == [
        "gpu-toleration",
        "worker-idle-timeout",
        "worker-replica-range",
    ]


def test_a_network_policy_cannot_name_a_group_that_spec_writes_away(tool: ToolData, environments: Path) -> None:
    body = WITH_IMAGE + (
        "kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterNetworkPolicy: true}}\n"
        "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w}], networkPolicy: {mode: DenyAllIngress, "
        "workerGroups: [{groupName: w}]}, spec: {workerGroupSpecs: []}}]\n"
    )
    assert [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": body}, BASE)] == [
        ("network-policy", "networkPolicy.workerGroups names w, which is no worker group of the cluster")
    ]


def test_a_cluster_spec_that_spec_writes_away_is_not_checked(tool: ToolData, environments: Path) -> None:
    """A RayJob whose `spec` swaps its cluster for a clusterSelector renders no cluster spec: no rule speaks of the
    structured one; a RayService without one is the CRD check's to name."""
    cluster = (
        "{head: {cpu: '1'}, workerGroups: [{name: gpu, gpu: 1, replicas: 5, minReplicas: 3, maxReplicas: 2, "
        "idleTimeoutSeconds: 60}]}"
    )
    job = WITH_IMAGE + (
        "clusters: [{name: shared, head: {cpu: '1'}}]\n"
        f"jobs: [{{name: j, entrypoint: python x.py, cluster: {cluster}, spec: {{rayClusterSpec: null, "
        "clusterSelector: {ray.io/cluster: shared}}}]\n"
    )
    assert [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": job}, BASE)] == []
    assert "rayClusterSpec" not in _rendered_object(tool, environments, job, "RayJob")["spec"]
    service = WITH_IMAGE + (
        f"services: [{{name: s, serveConfig: {{applications: [{{name: a, import_path: m:app}}]}}, cluster: {cluster}, "
        "spec: {rayClusterConfig: null}}]\n"
    )
    assert [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": service}, BASE)] == [
        ("crd-schema", "rendered RayService s, spec: missing required field 'rayClusterConfig'")
    ]


@pytest.mark.parametrize(
    ("structured", "written", "expected"),
    [
        ("replicas: 5, maxReplicas: 2", "maxReplicas: 10", []),  # `spec` mends the structured bounds
        (
            "replicas: 2, maxReplicas: 5",
            "maxReplicas: 1",
            [
                (
                    ("clusters", 0, "spec", "workerGroupSpecs", 0, "maxReplicas"),
                    "worker-replica-range",
                    "maxReplicas 1 is less than minReplicas (unset: replicas, 2): the operator refuses the group",
                )
            ],
        ),
        (
            "replicas: 1, minReplicas: 1, maxReplicas: 2",
            "minReplicas: 6",
            [
                (
                    ("clusters", 0, "workerGroups", 0, "maxReplicas"),
                    "worker-replica-range",
                    "maxReplicas 2 is less than minReplicas 6: the operator refuses the group",
                )
            ],
        ),
    ],
)
def test_worker_bounds_are_read_as_rendered(
    tool: ToolData, environments: Path, structured: str, written: str, expected: list[tuple[Any, str, str]]
) -> None:
    """A group's replicas, minReplicas and maxReplicas as rendered: what `spec` writes for the group over the
    structured ones, each problem at the place that wrote the bound it names first."""
    body = (
        f"{WITH_IMAGE}clusters: [{{name: c, head: {{cpu: '1'}}, workerGroups: [{{name: w, {structured}}}], "
        f"spec: {{workerGroupSpecs: [{{groupName: w, {written}}}]}}}}]\n"
    )
    (environments / "_base.yaml").write_text(BASE)
    (environments / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
    assert [(problem.path, problem.rule, problem.message) for problem in result.problems] == expected


def test_a_quantity_written_as_a_number_is_rendered_as_the_text_it_reads_as(tool: ToolData, environments: Path) -> None:
    """A quantity is an integer or text in the API (the CRDs' int-or-string): `cpu: 0.5`, which the input schema
    takes, is rendered as '0.5', not as a number the CRD refuses."""
    body = (
        f"defaults: {{image: '{IMAGE}'}}\n"
        "clusters: [{name: c, head: {cpu: 1.5, memory: 2Gi}, workerGroups: [{name: w, cpu: 0.5, memory: 1Gi, "
        "limits: {memory: 2.5e9}}]}]\n"
    )
    assert problems_of(tool, environments, {"e": body}, BASE) == []
    result = build(BuildRequest(environments, ("e",), tool, keep_outcomes=False))
    (cluster,) = [file for file in result.files if file.path.name == "raycluster-c.yaml"]
    (document,) = cluster.documents
    head = document["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]
    worker = document["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["resources"]
    assert head == {"limits": {"cpu": "1.5", "memory": "2Gi"}, "requests": {"cpu": "1.5", "memory": "2Gi"}}
    assert worker == {"limits": {"cpu": "0.5", "memory": "2500000000.0"}, "requests": {"cpu": "0.5", "memory": "1Gi"}}
