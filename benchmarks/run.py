"""`make bench`: time and memory of validate, render and check on synthetic repositories of 10, 100 and 1,000
environments, the cold start of `validate`, and where the time goes.

Each repository has environments extending one partial, each with several RayClusters, RayJobs and
RayServices (half of them synced by Argo CD, half by Flux; one operator owner per target cluster), written
as people write them (block YAML). Every command runs in a fresh process, so that its time includes its
imports and its peak memory is its own, and each command is measured three ways: with nothing kept by an
earlier run, with every environment's outcome kept (generator/outcome_cache.py), and with one environment
changed since, as in a pull request. The processes share a cache folder of the benchmark's own, whose
compiled templates and CEL tables an earlier run made. The figures go to docs/benchmarks.md; the command
exits 1 when a target of issue 13 is missed, after writing them.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 100, 1000)
CLUSTERS, JOBS, SERVICES, WORKER_GROUPS = 3, 2, 2, 3
ENVIRONMENTS_PER_CLUSTER = 10
COMMANDS = ("validate", "render", "check")
ONE_PROCESS = "check --jobs 1"  # what the default number of processes gains
NOTHING_KEPT, KEPT, ONE_CHANGED = "nothing kept", "kept", "one changed"
WAYS = (NOTHING_KEPT, KEPT, ONE_CHANGED)
NOOP = "render, nothing changed"
NOOP_CHECK = "check, kept, beside the render that changes nothing"
NOOP_RUNS = 3
# the fastest of this many runs with nothing kept: the machine's speed varies from run to run (the kernel's
# time to create files varied most, until the benchmark stopped deleting files between runs: `set_aside`)
NOTHING_KEPT_RUNS = 3
CACHE_HOME = "XDG_CACHE_HOME"
# The targets of issue 13 (2-core machine): seconds at 1,000 environments, peak memory, linearity.
TARGET_SECONDS = {"validate": 3.0, "render": 5.0, "check": 5.0}
TARGET_PEAK_MIB = 500.0
TARGET_LINEAR = 11.0  # the time of 1,000 environments at most this many times that of 100
TARGET_COLD_START = 0.3  # seconds, `validate` of the example environments
PROFILE_SIZE = 100
PROFILE_ROWS = 25
# kapitan 0.36 compiling, without any validation, Jinja templates that write the same files for as many
# targets as there are copies of this repository's environments (make bench installs it beside .venv)
KAPITAN_ENVIRONMENTS = 200
TARGET_KAPITAN_RATIO = 0.2


def synthetic_environment(index: int) -> dict[str, Any]:
    def cluster_spec(name: str) -> dict[str, Any]:
        return {
            "head": {
                "cpu": "2",
                "memory": "8Gi",
                "rayStartParams": {"num-cpus": "0"},
                # serve: a RayService builds its Serve Service from it (rule serve-port)
                "ports": [{"name": "dashboard", "containerPort": 8265}, {"name": "serve", "containerPort": 8000}],
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
                    **(
                        {"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}
                        if group % 2
                        else {}
                    ),
                }
                for group in range(WORKER_GROUPS)
            ],
            "autoscaling": {"enabled": True, "idleTimeoutSeconds": 60},
        }

    return {
        "name": f"env-{index:04d}",
        "extends": "_base",
        "target": {"cluster": f"cluster-{index // ENVIRONMENTS_PER_CLUSTER:03d}", "namespace": f"ray-{index:04d}"},
        "gitops": {"engine": "argocd" if index % 2 == 0 else "flux"},
        "operator": {"install": index % ENVIRONMENTS_PER_CLUSTER == 0},
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


def write_repository(folder: Path, size: int) -> None:
    environments = folder / "environments"
    environments.mkdir(parents=True)
    base = {
        "kuberay": {"version": "1.3.0"},
        "gitops": {"repoURL": "https://git.example.com/ray.git"},
        "defaults": {
            "image": "rayproject/ray:2.41.0",
            "rayVersion": "2.41.0",
            "env": [{"name": "RAY_LOG_TO_STDERR", "value": "1"}],
        },
    }
    (environments / "_base.yaml").write_text(_yaml(base))
    for index in range(size):
        (environments / f"env-{index:04d}.yaml").write_text(_yaml(synthetic_environment(index)))


def _yaml(data: dict[str, Any]) -> str:
    # imported here, not at the top: a measured process (`--measure`) imports only what the command does
    import yaml

    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """What the command prints goes nowhere: only its time is measured."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


def measure(cache: Path, folder: Path, command: str, *extra: str) -> dict[str, Any]:
    """Run one command as a user does, `python -m generator` in a process of its own, and report its wall time
    from start to exit (the interpreter's start, the imports, the work and the exit: Python's finalization
    once took a quarter of a large run, unseen by a figure taken inside the process) and its peak memory. The
    usage wait4 returns for a process covers the children it waited for, its workers, and its maximum resident
    set size is the largest of them all (Linux: getrusage's RUSAGE_BOTH, kernel/sys.c)."""
    arguments = ["--environments", str(folder / "environments"), "--output", str(folder / "rendered")]
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", *arguments, *extra, command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_environment(cache),
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    return {"exit_code": process.returncode, "seconds": seconds, "peak_mib": usage.ru_maxrss / 1024}


def child_environment(cache: Path) -> dict[str, str]:
    """The environment of every measured process: Python may keep its bytecode caches, as on a developer's
    machine or a CI runner (some sandboxes set PYTHONDONTWRITEBYTECODE, which makes every start compile);
    the user's cache folder is the benchmark's own, under `cache`."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**environment, CACHE_HOME: str(cache)}


def outcomes_folder(cache: Path) -> Path:
    """The outcome cache's folder in the benchmark's cache home."""
    from generator.cache import FOLDER_NAME, OUTCOMES

    return cache / FOLDER_NAME / OUTCOMES


def forget_outcomes(cache: Path, trash: Path) -> None:
    """Nothing kept: the outcomes of earlier runs set aside, the compiled templates and CEL tables left."""
    set_aside(outcomes_folder(cache), trash)


def set_aside(path: Path, trash: Path) -> None:
    """`path`, when it is there, moved into `trash`, which `main` deletes once every figure is taken.

    Not deleted now: on a file system without a journal, such as the ext4 of the machine of the committed
    figures, Linux does not reuse an inode for 60 s after it was freed (360 s while its inode table block is
    dirty), and finds a free one by trying each freed one in turn (fs/ext4/ialloc.c: recently_deleted,
    find_inode_bit, RECENTCY_MIN and RECENTCY_DIRTY). Every file a run created right after the benchmark
    deleted a rendered tree of 13,000 files cost such a search: `render` of 1,000 environments took 9.5-13.5 s,
    10 s of it in the kernel, against 6.3-6.5 s with the old tree moved aside (perf showed the kernel's time in
    recently_deleted). A first run on a fresh machine, which these figures stand for, follows no such
    deletion."""
    if path.exists():
        path.rename(Path(tempfile.mkdtemp(dir=trash)) / path.name)


def run_python(cache: Path, *arguments: str) -> str:
    """What Python, run with `arguments` in a process of its own, prints; the benchmark stops if it fails."""
    completed = subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=child_environment(cache),
    )
    if completed.returncode != 0:
        raise SystemExit(f"python {' '.join(arguments)} failed:\n{completed.stdout}{completed.stderr}")
    return completed.stdout


def modification_times(folder: Path) -> dict[str, int]:
    return {str(path): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def measure_size(size: int, cache: Path, trash: Path) -> dict[str, Any]:
    """validate, render and check with nothing kept, with every outcome kept, and with one environment
    changed; a render that changes nothing; check in one process with nothing kept. The repository is made
    in `trash`, deleted with it at the end (`set_aside` says why)."""
    folder = Path(tempfile.mkdtemp(dir=trash))
    write_repository(folder, size)

    def run(command: str, *extra: str) -> dict[str, Any]:
        return measure(cache, folder, command, *extra)

    figures: dict[Any, Any] = {}
    for command in COMMANDS:  # render first writes the whole output, which check then compares
        runs = []
        for _ in range(NOTHING_KEPT_RUNS):
            forget_outcomes(cache, trash)
            if command == "render":  # into a new folder each time, as a first render writes
                set_aside(folder / "rendered", trash)
            runs.append(run(command))
        figures[(command, NOTHING_KEPT)] = min(runs, key=lambda figure: float(figure["seconds"]))
    forget_outcomes(cache, trash)
    figures[ONE_PROCESS] = run("check", "--jobs", "1")  # and keeps every outcome
    for command in COMMANDS:
        figures[(command, KEPT)] = run(command)
    before = modification_times(folder / "rendered")
    # a render that changes nothing and a check with every outcome kept do the same work, so that one run
    # of each differs by the machine's noise alone: the fastest of several, taken in turns, are compared
    noops, checks = [], []
    for _ in range(NOOP_RUNS):
        noops.append(run("render"))
        checks.append(run("check"))
    figures[NOOP] = min(noops, key=lambda figure: float(figure["seconds"]))
    figures[NOOP_CHECK] = min(checks, key=lambda figure: float(figure["seconds"]))
    after = modification_times(folder / "rendered")
    figures[NOOP]["files_touched"] = sum(1 for path, mtime in after.items() if before.get(path) != mtime) + len(
        set(before) - set(after)
    )
    changed = folder / "environments" / f"env-{size // 2:04d}.yaml"
    original = changed.read_text()
    for replicas, command in enumerate(COMMANDS, start=2):  # a change of its own for each: each a miss
        changed.write_text(original.replace("replicas: 1", f"replicas: {replicas}", 1))
        if command == "check":  # the pull request commits the output of the change, not its outcome
            entries = set(outcomes_folder(cache).iterdir())
            run("render")
            for entry in set(outcomes_folder(cache).iterdir()) - entries:
                entry.unlink()
        figures[(command, ONE_CHANGED)] = run(command)
    figures["files"] = len(after)
    return figures


def copy_environments(folder: Path, total: int) -> list[str]:
    """`total` environments made of copies of this repository's, in turn, each on a cluster of its own, and
    its partials; the names of the copies."""
    from ruamel.yaml import YAML

    reader = YAML(typ="safe", pure=True)  # YAML 1.2, as the tool reads environment files
    source, target = ROOT / "environments", folder / "environments"
    target.mkdir(parents=True)
    for partial in source.glob("_*.yaml"):
        shutil.copy(partial, target / partial.name)
    originals = [reader.load(file.read_text()) for file in sorted(source.glob("[!_]*.yaml"))]
    names = []
    for index in range(total if originals else 0):
        data = originals[index % len(originals)]
        copy = index // len(originals)
        name = f"{data['name']}-{copy:03d}"
        target_settings = {**data["target"], "cluster": f"{data['target']['cluster']}-{copy:03d}"}
        (target / f"{name}.yaml").write_text(_yaml({**data, "name": name, "target": target_settings}))
        names.append(name)
    return names


def kapitan_project(folder: Path, names: list[str], rendered: Path) -> None:
    """A kapitan inventory of one target per copy, each compiling Jinja templates that write the files the
    copy's original environment renders to (its name a template variable, the rest as it is)."""
    originals = sorted({name.rsplit("-", 1)[0] for name in names})
    for original in originals:
        for path in (rendered / original).rglob("*"):
            if path.is_file():
                relative = path.relative_to(rendered / original)
                template = folder / "templates" / original / relative
                template.parent.mkdir(parents=True, exist_ok=True)
                text = path.read_text().replace(original, "{% endraw %}{{ inventory.parameters.env_name }}{% raw %}")
                template.write_text("{% raw %}" + text + "{% endraw %}")
    targets = folder / "inventory" / "targets"
    targets.mkdir(parents=True)
    (folder / "inventory" / "classes").mkdir()  # reclass, kapitan's inventory, wants the folder
    for name in names:
        compile_step = {
            "output_path": ".",
            "input_type": "jinja2",
            "input_paths": [f"templates/{name.rsplit('-', 1)[0]}"],
        }
        parameters = {"env_name": name, "kapitan": {"vars": {"target": name}, "compile": [compile_step]}}
        (targets / f"{name}.yml").write_text(_yaml({"parameters": parameters}))


def timed(command: list[str], folder: Path, cache: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=folder, capture_output=True, check=True, env=child_environment(cache))
    return time.perf_counter() - start


def compare_kapitan(kapitan: Path, total: int, cache: Path, trash: Path) -> dict[str, float] | None:
    """`render` of `total` copies of this repository's environments, with nothing kept and with every outcome
    kept, and kapitan compiling the same files for as many targets, in the same run (the fastest of three
    each). Each writes into a new folder, and nothing is deleted before the end (`set_aside`)."""
    folder = Path(tempfile.mkdtemp(dir=trash))
    names = copy_environments(folder / "ours", total)
    if not names:
        return None  # a repository without environments: nothing to copy
    cli = [sys.executable, "-m", "generator"]
    subprocess.run([*cli, "--output", str(folder / "examples"), "render"], cwd=ROOT, capture_output=True, check=True)
    kapitan_project(folder / "kapitan", names, folder / "examples")
    render = [*cli, "--environments", "environments", "--output", "rendered", "render"]
    worked = []
    for _ in range(3):
        forget_outcomes(cache, trash)
        set_aside(folder / "ours" / "rendered", trash)
        worked.append(timed(render, folder / "ours", cache))
    kept = []
    for _ in range(3):  # into an empty output each time, as kapitan compiles
        set_aside(folder / "ours" / "rendered", trash)
        kept.append(timed(render, folder / "ours", cache))
    theirs = min(
        timed([str(kapitan), "compile", "--output-path", f"compiled-{run}"], folder / "kapitan", cache)
        for run in range(3)
    )
    return {"environments": len(names), NOTHING_KEPT: min(worked), KEPT: min(kept), "kapitan": theirs}


def cold_start(cache: Path, trash: Path, runs: int = 7) -> dict[str, float]:
    """The fastest of several `kuberay-gitops validate` runs on the example environments (a fresh process
    each: interpreter start, imports and the work), with nothing kept and with the outcomes kept."""
    times: dict[str, list[float]] = {NOTHING_KEPT: [], KEPT: []}
    for _ in range(runs):
        for way in (NOTHING_KEPT, KEPT):
            if way == NOTHING_KEPT:
                forget_outcomes(cache, trash)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "generator", "validate"],
                cwd=ROOT,
                capture_output=True,
                check=True,
                env=child_environment(cache),
            )
            times[way].append(time.perf_counter() - start)
    return {way: min(seconds) for way, seconds in times.items()}


def profile(size: int, trash: Path) -> str:
    """The functions where `check` spends its time on a repository of `size` environments with nothing kept
    (cProfile, cumulative time, the generator's own functions and the libraries they call)."""
    folder = Path(tempfile.mkdtemp(dir=trash))
    write_repository(folder, size)
    from generator.cli import main

    arguments = ["--environments", str(folder / "environments"), "--output", str(folder / "rendered")]
    with _silenced():
        main([*arguments, "render"], standalone_mode=False)
        forget_outcomes(Path(os.environ[CACHE_HOME]), trash)  # the work itself, not reading what it kept
        profiler = cProfile.Profile()
        profiler.enable()
        main([*arguments, "--jobs", "1", "check"], standalone_mode=False)  # the work, not the waiting
        profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"generator|yaml|jinja2|jsonschema|celpy|ruamel", PROFILE_ROWS)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    start = next(index for index, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    rows = [lines[start], *(line for line in lines[start + 1 :] if line != lines[start])]  # pstats repeats it
    # the virtual environment first: it may lie inside the project
    return "\n".join(line.replace(sys.prefix, "<venv>").replace(str(ROOT) + "/", "") for line in rows)


def report(
    sizes: dict[int, dict[Any, Any]], cold: dict[str, float], summary: str, kapitan: dict[str, float] | None
) -> tuple[str, list[str]]:
    # imported here, not at the top: the measured processes import what the command needs, and nothing more
    from generator.parallel import worker_count

    missed: list[str] = []
    largest = max(sizes)
    measured = [*((command, way) for command in COMMANDS for way in WAYS), NOOP, ONE_PROCESS]
    rows = []
    for size, figures in sizes.items():
        for key in measured:
            figure = figures[key]
            label = f"`{key[0]}`, {key[1]}" if isinstance(key, tuple) else f"`{key}`"
            if figure["exit_code"] != 0:
                missed.append(f"{label} at {size} environments exited {figure['exit_code']}")
            rows.append(
                f"| {size} | {label} | {figure['seconds']:.2f} s | {1000 * figure['seconds'] / size:.1f} ms "
                f"| {figure['peak_mib']:.0f} MiB |"
            )
    checks = []
    for command in COMMANDS:
        for way in WAYS:
            seconds = sizes[largest][(command, way)]["seconds"]
            checks.append(
                (
                    f"`{command}` of {largest} environments, {way}, ≤ {TARGET_SECONDS[command]:.0f} s",
                    f"{seconds:.2f} s",
                    seconds <= TARGET_SECONDS[command],
                )
            )
    # each process's own peak (a worker is forked, so it shares the parent's pages until it writes them)
    peak = max(figures[key]["peak_mib"] for figures in sizes.values() for key in measured)
    checks.append(
        (f"peak memory of any process ≤ {TARGET_PEAK_MIB:.0f} MiB", f"{peak:.0f} MiB", peak <= TARGET_PEAK_MIB)
    )
    if 100 in sizes and largest >= 1000:
        for command in COMMANDS:
            for way in (NOTHING_KEPT, KEPT):
                ratio = sizes[largest][(command, way)]["seconds"] / sizes[100][(command, way)]["seconds"]
                checks.append(
                    (
                        f"`{command}`, {way}: {largest} environments ≤ {TARGET_LINEAR:.0f} x the time of 100",
                        f"{ratio:.1f} x",
                        ratio <= TARGET_LINEAR,
                    )
                )
    noop = sizes[largest][NOOP]
    checks.append(
        (
            "a render that changes nothing touches no file",
            f"{noop['files_touched']} file(s)",
            noop["files_touched"] == 0,
        )
    )
    check_kept = sizes[largest][NOOP_CHECK]["seconds"]
    checks.append(
        (
            f"a render that changes nothing takes ≤ the time of `check` (both with every outcome kept; the fastest of "
            f"{NOOP_RUNS} runs each, in turns; within 5 % for noise)",
            f"{noop['seconds']:.2f} s against {check_kept:.2f} s",
            noop["seconds"] <= check_kept * 1.05,  # the same work: 5 % for noise
        )
    )
    for way in (NOTHING_KEPT, KEPT):
        checks.append(
            (
                f"cold-start `validate` of the examples, {way}, ≤ {TARGET_COLD_START} s",
                f"{cold[way]:.2f} s",
                cold[way] <= TARGET_COLD_START,
            )
        )
    if kapitan is not None:
        for way in (NOTHING_KEPT, KEPT):
            ratio = kapitan[way] / kapitan["kapitan"]
            checks.append(
                (
                    f"`render` of {kapitan['environments']:.0f} copies of the repository's environments, {way}, ≤ "
                    f"{TARGET_KAPITAN_RATIO} x kapitan 0.36 compiling the same files",
                    f"{kapitan[way]:.2f} s against {kapitan['kapitan']:.2f} s: {ratio:.2f} x",
                    ratio <= TARGET_KAPITAN_RATIO,
                )
            )
    missed += [what for what, _, met in checks if not met]
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (benchmarks/run.py); do not edit by hand. The targets are those of issue 13.",
            "",
            f"Synthetic repositories of {', '.join(str(size) for size in sizes)} environments extending one "
            f"partial, each with {CLUSTERS} RayClusters, {JOBS} RayJobs and {SERVICES} RayServices of "
            f"{WORKER_GROUPS} worker groups, half synced by Argo CD and half by Flux, one operator owner per "
            f"{ENVIRONMENTS_PER_CLUSTER} environments. Each command runs as a user runs it, `python -m generator` "
            "in a fresh process, with Python's bytecode and the compiled templates and CEL tables of the cache "
            "folder (generator/cache.py) as an earlier run left them; its wall time runs from the start of the "
            "process to its exit, and its peak memory is the largest resident set size of the process and of "
            "the workers it forked. Each command is measured three ways:",
            "",
            f"- *{NOTHING_KEPT}*: no outcome of an earlier run is kept, so every environment is worked out (a "
            "first run, a changed partial or template, a new release of the tool); the fastest of "
            f"{NOTHING_KEPT_RUNS} runs, `render` into a new folder each time; what earlier runs left (outcomes, "
            "output) is moved aside and deleted only after the last measurement, as a first run on a fresh machine "
            "follows no deletion (benchmarks/run.py `set_aside` says what deleting it costs on a file system "
            "without a journal);",
            f"- *{KEPT}*: an earlier run kept every environment's outcome (generator/outcome_cache.py), as when "
            "`make check` follows `make render`;",
            f"- *{ONE_CHANGED}*: one environment file changed since, as in most pull requests.",
            "",
            f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}, {len(os.sched_getaffinity(0))} CPU(s).",
            "",
            "| environments | command | wall time | per environment | peak memory (largest process) |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Files in the output of {largest} environments: {sizes[largest]['files']}. Processes by default (no "
            "`--jobs`): "
            + ", ".join(f"{worker_count(None, size)} at {size} environments" for size in sizes)
            + f" with nothing kept; one process when every outcome is kept. `{ONE_PROCESS}` is `check` in one "
            f"process, with nothing kept.",
            "",
            "## Targets",
            "",
            "| target | measured | |",
            "| --- | --- | --- |",
            *(f"| {what} | {value} | {'met' if met else 'MISSED'} |" for what, value, met in checks),
            "",
            "## Where the time goes",
            "",
            f"cProfile of `check --jobs 1` on {PROFILE_SIZE} environments with nothing kept (one process, after a "
            f"render, so that it compares a current output), the {PROFILE_ROWS} entries with the most cumulative "
            "time among the generator's functions and the libraries it calls:",
            "",
            "```",
            summary,
            "```",
            "",
        ]
    )
    return text, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--kapitan", type=Path, help="kapitan 0.36's command, for the comparison")
    parser.add_argument("--kapitan-environments", type=int, default=KAPITAN_ENVIRONMENTS)
    args = parser.parse_args()
    # the cache folder, and what the runs leave (set_aside): deleted once every figure is taken
    with tempfile.TemporaryDirectory() as temporary:
        cache, trash = Path(temporary) / "cache", Path(temporary) / "set-aside"
        cache.mkdir()
        trash.mkdir()
        # what every later run finds: the compiled templates, CEL's tables and the CEL results of such values
        synthetic = Path(tempfile.mkdtemp(dir=trash))
        write_repository(synthetic, 10)
        for folder in (ROOT, synthetic):
            run_python(cache, "-m", "generator", "--environments", str(folder / "environments"), "validate")
        sizes = {size: measure_size(size, cache, trash) for size in sorted(args.sizes)}
        cold = cold_start(cache, trash)
        kapitan = (
            compare_kapitan(args.kapitan.resolve(), args.kapitan_environments, cache, trash) if args.kapitan else None
        )
        os.environ[CACHE_HOME] = str(cache)  # the profile runs in this process
        text, missed = report(sizes, cold, profile(PROFILE_SIZE, trash), kapitan)
    args.output.write_text(text)
    print(text)
    for what in missed:
        print(f"missed: {what}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
