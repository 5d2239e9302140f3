"""RayJob rules: where the job runs and what it runs."""

from __future__ import annotations

from collections.abc import Iterator

from generator.errors import Problem
from generator.rules.context import RuleContext


def cluster_or_selector(context: RuleContext) -> Iterator[Problem]:
    for index, job in enumerate(context.data.get("jobs", [])):
        path = ("jobs", index)
        if "cluster" in job and "clusterSelector" in job:
            yield context.problem(
                (*path, "clusterSelector"),
                "a job sets both cluster and clusterSelector",
                "use cluster to create a cluster for the job, or clusterSelector to reuse a running one",
            )
        elif "cluster" not in job and "clusterSelector" not in job:
            yield context.problem(
                path,
                f"job '{job['name']}' needs cluster or clusterSelector",
                "add cluster: {head: ..., workerGroups: [...]}",
                at_key=True,
            )


def entrypoint_unless_interactive(context: RuleContext) -> Iterator[Problem]:
    """Only InteractiveMode lets the user submit the entrypoint later (ray-operator validation.go)."""
    for index, job in enumerate(context.data.get("jobs", [])):
        mode = job.get("submissionMode", "K8sJobMode")
        if mode != "InteractiveMode" and "entrypoint" not in job:
            yield context.problem(
                ("jobs", index),
                f"job '{job['name']}' needs an entrypoint",
                "add entrypoint: python script.py (only InteractiveMode runs without one)",
                at_key=True,
            )
        elif mode == "InteractiveMode" and "entrypoint" in job:
            yield context.problem(
                ("jobs", index, "entrypoint"),
                "InteractiveMode takes the entrypoint from `ray job submit`",
                "remove entrypoint or choose another submissionMode",
            )
