"""Derive the project's committed upstream data from ../shared (the only code that reads it).

Writes, for every KubeRay release in ../shared/kuberay/charts:
  schemas/kuberay/<tag>/kuberay-operator.values.json   chart default values (chart keys, feature gates, image)
  schemas/kuberay/<tag>/ray-cluster.values.json        the ray-cluster chart's default values
and copies the upstream samples used as reference inputs to tests/fixtures/upstream-samples/<tag>/.
The sources are Apache-2.0 files of github.com/ray-project/kuberay; schemas/NOTICE names them.
Run with `make schemas`; a test fails when the committed files differ from what this script produces.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TAGS = ("v1.3.0",)


def derive(shared: Path, root: Path) -> list[Path]:
    """Write every derived file under `root`; return their paths."""
    written: list[Path] = []
    charts = shared / "kuberay" / "charts"
    tags = sorted((path.name for path in charts.iterdir() if path.is_dir()), key=_version_key)
    for tag in tags:
        for chart in ("kuberay-operator", "ray-cluster"):
            values = yaml.safe_load((charts / tag / chart / "values.yaml").read_text())
            chart_meta = yaml.safe_load((charts / tag / chart / "Chart.yaml").read_text())
            document = {"chart": chart, "chartVersion": str(chart_meta["version"]), "values": values}
            written.append(_write_json(root / "schemas" / "kuberay" / tag / f"{chart}.values.json", document))
    for tag in SAMPLE_TAGS:
        source = shared / "kuberay" / "samples" / tag
        target = root / "tests" / "fixtures" / "upstream-samples" / tag
        for sample in sorted(source.rglob("*.yaml")):
            destination = target / sample.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sample, destination)
            written.append(destination)
    notice = root / "schemas" / "NOTICE"
    notice.write_text(_notice(tags))
    written.append(notice)
    return written


def _notice(tags: list[str]) -> str:
    return (
        "The files under schemas/kuberay/ and tests/fixtures/upstream-samples/ are derived from, or are copies\n"
        "of, files of the KubeRay project (https://github.com/ray-project/kuberay), licensed under the\n"
        "Apache License 2.0. Sources, at each release tag named by the folder:\n"
        "  helm-chart/kuberay-operator/values.yaml and Chart.yaml\n"
        "  helm-chart/ray-cluster/values.yaml and Chart.yaml\n"
        "  ray-operator/config/samples/ (tests/fixtures/upstream-samples/v1.3.0, unmodified copies)\n"
        f"Tags: {', '.join(tags)}.\n"
        "Derived by scripts/derive_upstream.py (chart values converted from YAML to JSON, otherwise unchanged).\n"
    )


def _write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    return path


def _version_key(tag: str) -> tuple[int, ...]:
    return tuple(int(part) for part in tag.lstrip("v").split("."))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="path of ../shared")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root to write into")
    args = parser.parse_args(argv)
    if not (args.shared / "kuberay").is_dir():
        print(
            f"derive_upstream: {args.shared}/kuberay not found; it is needed only to re-derive",
            file=sys.stderr,
        )
        return 2
    for path in derive(args.shared, args.root):
        print(path.relative_to(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
