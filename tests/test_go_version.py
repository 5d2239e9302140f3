"""generic_version and compare_versions as k8s.io/apimachinery's version.ParseGeneric and compareInternal read
and order versions (pkg/util/version/version.go), on the spellings rayVersion takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.paths import ToolData
from generator.rules.go_version import compare_versions, generic_version
from tests.problems import problems_of


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("2.52.0", (2, 52, 0)),
        ("2.52", (2, 52)),
        ("v2.52.0", (2, 52, 0)),
        (" 2.52.0", (2, 52, 0)),  # leading whitespace is ignored
        ("2.52.0rc1", (2, 52, 0)),  # what follows the numbers is not read
        ("2.52.0-rc.1", (2, 52, 0)),
        ("2.52.0.1", (2, 52, 0, 1)),
        ("0.1", (0, 1)),
        ("2.052", (2, 52)),  # only the first number may not start with 0
        ("02.52.0", None),
        ("2", None),  # two numbers at least
        ("latest", None),
        ("", None),
        (None, None),
        ("2.52\n.0", None),  # Go's `.` takes no newline
        ("18446744073709551616.0", None),  # beyond ParseUint
    ],
)
def test_generic_version_reads_as_parse_generic(text: str | None, numbers: tuple[int, ...] | None) -> None:
    assert generic_version(text) == numbers


@pytest.mark.parametrize(
    ("one", "other", "order"),
    [((2, 52), (2, 52, 0), 0), ((2, 52, 0, 1), (2, 52, 0), 1), ((2, 51, 9), (2, 52), -1), ((3, 0), (2, 99, 99), 1)],
)
def test_versions_compare_number_by_number(one: tuple[int, ...], other: tuple[int, ...], order: int) -> None:
    assert compare_versions(one, other) == order
    assert compare_versions(other, one) == -order


@pytest.mark.parametrize(("ray", "refused"), [("2.52", False), (" 2.52.0", False), ("2.51.9", True), ("02.52.0", True)])
def test_token_auth_reads_ray_version_as_the_operator(
    tool: ToolData, environments: Path, ray: str, refused: bool
) -> None:
    """validation.go:284-300 at v1.7.0: ParseGeneric, then LessThan 2.52.0."""
    body = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\n"
        f"clusters: [{{name: c, rayVersion: '{ray}', auth: {{mode: token}}, head: {{cpu: '1', "
        "image: 'rayproject/ray:2.52.0'}}]\n"
    )
    problems = problems_of(tool, environments, {"team": body})
    assert [rule for _, rule, _ in problems if rule == "auth-options"] == (["auth-options"] if refused else [])


def test_one_message_for_a_ray_version_below_both_auth_modes(tool: ToolData, environments: Path) -> None:
    """Below 2.52.0 the operator stops at the token mode (validation.go:290-298 at v1.7.0): the Kubernetes token
    auth's own version is not asked as well."""
    body = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\nclusters: [{name: c, rayVersion: "
        "'2.51.0', auth: {mode: token, enableK8sTokenAuth: true}, head: {cpu: '1', image: 'rayproject/ray:2.51.0'}}]\n"
    )
    problems = problems_of(tool, environments, {"team": body})
    assert [message for _, rule, message in problems if rule == "auth-options"] == [
        "token authentication needs Ray 2.52.0 or later, and this cluster runs 2.51.0"
    ]
