"""The image of each Ray container as rendered: the structured fields, then what the group's podTemplate and the
item's `spec` write for its container, which merge last. The rules (image-required, ray-version-image) and the
model read the same image, so an image written only through podTemplate or `spec` is not refused."""

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
    wanted = (
        "no container image for the submitter" if case.startswith("submitter") else "no container image for this group"
    )
    assert [(rule, text) for _, rule, text in problems] == [("image-required", wanted)]
