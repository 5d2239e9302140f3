"""A diff as text for the terminal, Markdown for a pull-request comment, or plain data for JSON; and the
capacity table of `capacity`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from generator.model.build import is_gpu_resource
from generator.releases import SUPPORTED_RELEASES
from generator.review.capacity import Capacity, span
from generator.review.diff import EnvironmentDiff, ObjectDiff
from generator.review.fields import MISSING, FieldChange, is_multiline, text_diff
from generator.review.impact import Impact
from generator.review.trees import ObjectKey

MARKS = {"info": "·", "notice": "!", "danger": "!!"}
EMOJI = {"info": "🔹", "notice": "⚠️", "danger": "🛑"}
# GPUs counted as KubeRay counts them, at the newest release (MIG slices included).
NEWEST = SUPPORTED_RELEASES[-1]


def value_text(value: Any) -> str | None:
    if value is MISSING:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def capacity_columns(capacity: Capacity) -> dict[str, str]:
    """CPU, memory, GPUs (every GPU resource together) and the other extended resources."""
    gpus = [name for name in capacity.resources if is_gpu_resource(name, NEWEST)]
    merged = Capacity(
        {**capacity.minimum, "GPU": sum((capacity.minimum.get(name, Decimal(0)) for name in gpus), Decimal(0))},
        {**capacity.maximum, "GPU": sum((capacity.maximum.get(name, Decimal(0)) for name in gpus), Decimal(0))},
    )
    columns = {"CPU": span(merged, "cpu"), "memory": span(merged, "memory"), "GPU": span(merged, "GPU")}
    for name in capacity.resources:
        if name not in ("cpu", "memory") and name not in gpus:
            columns[name] = span(merged, name)
    return columns


def capacity_data(diff: EnvironmentDiff) -> dict[str, Any]:
    data: dict[str, Any] = {"before": capacity_columns(diff.before), "after": capacity_columns(diff.after)}
    if diff.upgrade_peak is not None:
        data["upgradePeak"] = capacity_columns(diff.upgrade_peak)
    return data


def capacity_change(diff: EnvironmentDiff) -> dict[str, str]:
    before, after = capacity_columns(diff.before), capacity_columns(diff.after)
    return {
        name: after.get(name, "0")
        if before.get(name, "0") == after.get(name, "0")
        else f"{before.get(name, '0')} → {after.get(name, '0')}"
        for name in dict.fromkeys([*before, *after])
    }


def text_report(diffs: list[EnvironmentDiff], base: str) -> str:
    if not diffs:
        return f"no change to the rendered objects against {base}\n"
    rows = [
        (
            diff.name,
            diff.state,
            f"{len(diff.objects)} object(s)",
            _headline(diff.all_impacts, MARKS),
            _capacity_delta(diff),
        )
        for diff in diffs
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [f"against {base}:"]
    lines += [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4]
        for row in rows
    ]
    lines.append("")
    for diff in diffs:
        lines.append(f"{diff.name}: environment {diff.state}")
        lines += [f"  {MARKS[impact.level]} {impact.text}" for impact in diff.impacts]
        for item in diff.objects:
            lines.append(f"  {item.key}: {item.state}")
            lines += [f"    {line}" for change in item.changes for line in _change_lines(change)]
            lines += [f"    {MARKS[impact.level]} {impact.text}" for impact in item.impacts]
        lines.append("  capacity: " + _capacity_line(diff))
    return "\n".join(lines) + "\n"


def _capacity_delta(diff: EnvironmentDiff) -> str:
    """Only what changes: `GPU 1 → 2`, or `capacity unchanged`."""
    changed = [f"{name} {value}" for name, value in capacity_change(diff).items() if "→" in value]
    return ", ".join(changed) if changed else "capacity unchanged"


def _capacity_line(diff: EnvironmentDiff) -> str:
    text = ", ".join(f"{name} {value}" for name, value in capacity_change(diff).items())
    if diff.upgrade_peak is not None:
        peak = capacity_columns(diff.upgrade_peak)
        text += "; during the RayService upgrade " + ", ".join(f"{name} {value}" for name, value in peak.items())
    return text


def _change_lines(change: FieldChange) -> list[str]:
    path = change.dotted
    if change.state == "added":
        return [f"+ {path}: {_short(change.new)}"]
    if change.state == "removed":
        return [f"- {path}: {_short(change.old)}"]
    if is_multiline(change.old) or is_multiline(change.new):
        return [f"~ {path}:", *(f"    {line}" for line in text_diff(str(change.old), str(change.new)))]
    return [f"~ {path}: {_short(change.old)} → {_short(change.new)}"]


def _diff_lines(change: FieldChange) -> list[str]:
    """A change as the lines of a ```diff block, which GitHub colours by their first character."""
    path = change.dotted
    if change.state == "changed" and (is_multiline(change.old) or is_multiline(change.new)):
        return [f"  {path}:", *text_diff(str(change.old), str(change.new))]
    lines = [] if change.state == "added" else [f"- {path}: {_short(change.old)}"]
    return lines if change.state == "removed" else [*lines, f"+ {path}: {_short(change.new)}"]


def _short(value: Any, limit: int = 100) -> str:
    text = value_text(value) or ""
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_report(diffs: list[EnvironmentDiff], base: str) -> str:
    lines = ["## kuberay-gitops diff", "", f"Rendered objects against `{base}`.", ""]
    if not diffs:
        return "\n".join([*lines, "No change.", ""])
    lines += [
        "| environment | change | objects | impact | CPU | memory | GPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for diff in diffs:
        capacity = capacity_change(diff)
        lines.append(
            f"| {diff.name} | {diff.state} | {len(diff.objects)} | {_headline(diff.all_impacts, EMOJI)} | "
            f"{capacity['CPU']} | {capacity['memory']} | {capacity['GPU']} |"
        )
    for diff in diffs:
        lines += ["", f"### {diff.name}", ""]
        lines += [f"- {EMOJI[impact.level]} {impact.text}" for impact in diff.impacts]
        if diff.upgrade_peak is not None:
            peak = capacity_columns(diff.upgrade_peak)
            lines.append(
                f"- ⚠️ during the RayService upgrade the environment needs CPU {peak['CPU']}, memory "
                f"{peak['memory']}, GPU {peak['GPU']}"
            )
        for item in diff.objects:
            lines += _markdown_object(item)
    return "\n".join(lines) + "\n"


def _markdown_object(item: ObjectDiff) -> list[str]:
    summary = f"{item.key.kind} <code>{item.key.name}</code> {item.state}"
    if item.impacts:
        summary += f": {_headline(item.impacts, EMOJI)}"
    lines = ["", f"<details><summary>{summary}</summary>", ""]
    lines += [f"- {EMOJI[impact.level]} {impact.text}" for impact in item.impacts]
    if item.changes:
        lines += ["", "```diff", *(line for change in item.changes for line in _diff_lines(change)), "```"]
    return [*lines, "", "</details>"]


def _headline(impacts: Iterable[Impact], marks: dict[str, str]) -> str:
    """The gravest impact, shortened to its first clause, and how many more there are."""
    ordered = sorted(impacts, key=lambda impact: ("danger", "notice", "info").index(impact.level))
    if not ordered:
        return "—"
    first = ordered[0]
    text = first.text.split(":")[0].split(" (")[0]
    more = f" (+{len(ordered) - 1})" if len(ordered) > 1 else ""
    return f"{marks[first.level]} {text}{more}"


def capacity_report(objects: dict[str, dict[ObjectKey, Capacity]]) -> str:
    """`capacity`: one line per Ray object and one total per environment, at minimum-maximum scale."""
    rows = [("ENVIRONMENT", "OBJECT", "CPU", "MEMORY", "GPU", "OTHER")]
    for environment, capacities in sorted(objects.items()):
        total = Capacity()
        for key, capacity in capacities.items():
            rows.append((environment, str(key), *_columns(capacity)))
            total = total + capacity
        rows.append((environment, "total", *_columns(total)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return (
        "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
            for row in rows
        ).rstrip()
        + "\n"
    )


def _columns(capacity: Capacity) -> tuple[str, str, str, str]:
    columns = capacity_columns(capacity)
    other = ", ".join(f"{name} {value}" for name, value in columns.items() if name not in ("CPU", "memory", "GPU"))
    return columns["CPU"], columns["memory"], columns["GPU"], other or "-"


def json_report(diffs: list[EnvironmentDiff], base: str) -> str:
    return json.dumps({"base": base, "environments": as_data(diffs)}, indent=2) + "\n"


def as_data(diffs: list[EnvironmentDiff]) -> list[dict[str, Any]]:
    return [
        {
            "environment": diff.name,
            "state": diff.state,
            "impacts": [_impact_data(impact) for impact in diff.impacts],
            "objects": [_object_data(item) for item in diff.objects],
            "capacity": capacity_data(diff),
        }
        for diff in diffs
    ]


def _object_data(item: ObjectDiff) -> dict[str, Any]:
    return {
        "kind": item.key.kind,
        "namespace": item.key.namespace,
        "name": item.key.name,
        "state": item.state,
        "renamedFrom": item.renamed_from,
        "changes": [
            {"path": change.dotted, "state": change.state, "old": value_text(change.old), "new": value_text(change.new)}
            for change in item.changes
        ],
        "impacts": [_impact_data(impact) for impact in item.impacts],
    }


def _impact_data(impact: Impact) -> dict[str, str]:
    return {"level": impact.level, "text": impact.text}
