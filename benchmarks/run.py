"""`make bench`: time and memory of validate, render and check on a large synthetic repository.

Builds ENVIRONMENTS environment files (each with several RayClusters, RayJobs and RayServices) in a
temporary directory, runs each command in a fresh process (so peak memory is that command's alone),
writes the figures to docs/benchmarks.md and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from generator import commands  # noqa: E402 - the path above makes the checkout importable when run as a script
from generator.paths import tool_data  # noqa: E402
from generator.render.jinja import to_json  # noqa: E402
from generator.report import JsonReporter  # noqa: E402

ENVIRONMENTS = 100
CLUSTERS, JOBS, SERVICES, WORKER_GROUPS = 6, 4, 3, 4
# Targets for the 2-core CI machine: a repository this size must stay interactive in `make render`.
TARGET_SECONDS = {"validate": 10.0, "render": 12.0, "check": 12.0}
TARGET_PEAK_MIB = 400.0
COMMANDS = {"validate": commands.run_validate, "render": commands.run_render, "check": commands.run_check}


def synthetic_environment(index: int) -> dict[str, object]:
    def cluster_spec(name: str) -> dict[str, object]:
        return {
            "head": {
                "cpu": "2",
                "memory": "8Gi",
                "rayStartParams": {"num-cpus": "0"},
                "ports": [{"name": "dashboard", "containerPort": 8265}],
            },
            "workerGroups": [
                {
                    "name": f"{name}-g{group}",
                    "replicas": 1,
                    "minReplicas": 0,
                    "maxReplicas": 8,
                    "cpu": "4",
                    "memory": "16Gi",
                    "gpu": group % 2,
                }
                for group in range(WORKER_GROUPS)
            ],
            "autoscaling": {"enabled": True, "idleTimeoutSeconds": 60},
        }

    return {
        "name": f"env-{index:03d}",
        "extends": "_base",
        "target": {"cluster": f"cluster-{index % 10}", "namespace": f"ray-{index:03d}"},
        "clusters": [{"name": f"c{number}", **cluster_spec(f"c{number}")} for number in range(CLUSTERS)],
        "jobs": [
            {
                "name": f"j{number}",
                "entrypoint": "python train.py",
                "runtimeEnv": {"pip": ["torch"]},
                "shutdownAfterJobFinishes": True,
                "cluster": cluster_spec(f"j{number}"),
            }
            for number in range(JOBS)
        ],
        "services": [
            {
                "name": f"s{number}",
                "serveConfig": {"applications": [{"name": "app", "import_path": "app:app"}]},
                "cluster": cluster_spec(f"s{number}"),
            }
            for number in range(SERVICES)
        ],
    }


def write_repository(folder: Path) -> None:
    environments = folder / "environments"
    environments.mkdir(parents=True)
    base = {
        "kuberay": {"version": "1.3.0"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/ray.git"},
        "defaults": {
            "image": "rayproject/ray:2.41.0",
            "rayVersion": "2.41.0",
            "env": [{"name": "RAY_LOG_TO_STDERR", "value": "1"}],
        },
        "operator": {"install": True},
    }
    (environments / "_base.yaml").write_text(to_json(base) + "\n")
    for index in range(ENVIRONMENTS):
        (environments / f"env-{index:03d}.yaml").write_text(to_json(synthetic_environment(index)) + "\n")


def measure(command: str, folder: Path) -> dict[str, float]:
    """Run one command in this process and report its time and the process's peak memory."""
    options = commands.Options(folder / "environments", folder / "rendered", (), tool_data())
    reporter = JsonReporter(io.StringIO())
    start = time.perf_counter()
    exit_code = COMMANDS[command](options, reporter)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"exit_code": exit_code, "seconds": seconds, "peak_mib": peak_kib / 1024}


def run_in_child(command: str, folder: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", command, "--folder", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(completed.stdout)
    return result


def report(figures: dict[str, dict[str, float]], objects: int) -> tuple[str, bool]:
    ok = True
    rows = []
    for command, figure in figures.items():
        within = figure["seconds"] <= TARGET_SECONDS[command] and figure["peak_mib"] <= TARGET_PEAK_MIB
        ok = ok and within and figure["exit_code"] == 0
        rows.append(
            f"| `{command}` | {figure['seconds']:.2f} s | {1000 * figure['seconds'] / ENVIRONMENTS:.1f} ms "
            f"| {figure['peak_mib']:.0f} MiB | {TARGET_SECONDS[command]:.0f} s, {TARGET_PEAK_MIB:.0f} MiB "
            f"| {'met' if within else 'MISSED'} |"
        )
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (benchmarks/run.py); do not edit by hand.",
            "",
            f"Synthetic repository: {ENVIRONMENTS} environments extending one partial, each with {CLUSTERS} "
            f"RayClusters, {JOBS} RayJobs and {SERVICES} RayServices of {WORKER_GROUPS} worker groups "
            f"({objects} Ray objects in all). Each command runs in a fresh process; peak memory is that "
            "process's maximum resident set size.",
            "",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {_cpus()} CPU(s).",
            "",
            "| command | wall time | per environment | peak memory | target | |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
        ]
    )
    return text, ok


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--measure", choices=sorted(COMMANDS))
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.folder)))
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_repository(folder)
        figures = {command: run_in_child(command, folder) for command in ("validate", "render", "check")}
    text, ok = report(figures, ENVIRONMENTS * (CLUSTERS + JOBS + SERVICES))
    args.output.write_text(text)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
