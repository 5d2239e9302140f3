"""Committed derived data stays equal to what its generators produce."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from generator.commands import schema_text
from generator.input.envschema import environment_schema
from generator.paths import PROJECT_ROOT
from generator.releases import SUPPORTED_RELEASES
from scripts.derive_upstream import derive

SHARED = PROJECT_ROOT.parent / "shared"


def test_environment_schema_file_is_current() -> None:
    committed = (PROJECT_ROOT / "schemas" / "environment.schema.json").read_text()
    assert committed == schema_text(), "run `make schemas`"


def test_every_property_has_a_description() -> None:
    missing: list[str] = []

    def walk(schema: object, path: str) -> None:
        if isinstance(schema, dict):
            for name, child in schema.get("properties", {}).items():
                if "description" not in child:
                    missing.append(f"{path}.{name}")
            for key, child in schema.items():
                walk(child, f"{path}/{key}")
        elif isinstance(schema, list):
            for child in schema:
                walk(child, path)

    walk(environment_schema(), "#")
    assert missing == []


def test_supported_releases_are_the_derived_ones() -> None:
    derived = sorted(path.name for path in (PROJECT_ROOT / "schemas" / "kuberay").iterdir() if path.is_dir())
    assert derived == sorted(f"v{version}" for version in SUPPORTED_RELEASES)


@pytest.mark.skipif(not (SHARED / "kuberay").is_dir(), reason="../shared is only needed to re-derive")
def test_derive_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    # the Alert schema comes from a git directory of fluxcd/notification-controller, where one is at hand
    notification_controller = SHARED.parent / ".mirror" / "fluxcd+notification-controller" / "repo"
    present = notification_controller.is_dir()
    # the operator's feature gates come from a git directory of ray-project/kuberay, likewise
    kuberay = SHARED.parent / ".mirror" / "ray-project+kuberay" / "repo"
    written = derive(
        SHARED, tmp_path, notification_controller if present else None, kuberay if kuberay.is_dir() else None
    )
    assert written
    for path in written:
        relative = path.relative_to(tmp_path)
        assert filecmp.cmp(path, PROJECT_ROOT / relative, shallow=False), f"{relative} differs: run `make schemas`"
    produced = {path.relative_to(tmp_path) for path in written}
    committed = {
        path.relative_to(PROJECT_ROOT)
        for folder in (
            "schemas/kuberay",
            "schemas/gitops",
            "tests/fixtures/upstream-samples",
            "tests/fixtures/upstream-samples-all",
        )
        for path in (PROJECT_ROOT / folder).rglob("*")
        if path.is_file()
    }
    if not present:
        committed.discard(Path("schemas/gitops/Alert.schema.json"))
    if not kuberay.is_dir():
        committed = {path for path in committed if path.name != "feature-gates.json"}
    assert committed - produced == set(), "committed derived files that the script no longer produces"
