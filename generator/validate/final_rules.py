"""The rules of docs/rules.md on a Ray object as its item's `spec` and the patches leave it.

The rules read the environment's structured fields, and a `spec` override or a patch can change what they
check. The object before and after the patches is read back into an environment item, the way `import` reads a
manifest (importer/convert.py), and the rules run on each in an environment of that one item: a problem of the
patched object that the unpatched one does not have is the patches' doing. A value the reading holds out of
its field's range is refused as that field refuses it (`OUT_OF_RANGE`). Where either reading is otherwise not
a schema-valid environment, the CRD schema check (validate/patches.py) is all there is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.checks import INPUT_SCHEMA
from generator.errors import Problem, format_path
from generator.importer.convert import SECTIONS, ray_item
from generator.input.resolve import MERGE_KEYS
from generator.input.schema_check import SchemaValidator
from generator.model.build import ray_container
from generator.model.fields import (
    CLUSTER_ITEM,
    CLUSTER_SPEC,
    EVERY,
    OVERRIDE,
    SECTION_KINDS,
    crd_path_of,
    spec_read_paths,
)
from generator.rules import check_rules
from generator.rules.context import RuleContext
from generator.source import Origin, locate, value_at

# What an environment holds besides its Ray objects' items, kept for the reading: the rest is left out,
# so that only the one object's rules run. `defaults` too: the rendered object carries what they gave, and they
# would fill in what it lacks (an image a patch removed, a group that only `spec` adds)
LEFT_OUT = frozenset({*SECTION_KINDS, "defaults", "objects", "clusterObjects", "configMaps", "patches", "lint"})
# What the environment schema says of a reading. A value of the right type that an environment field refuses
# (under its minimum, not one of its enum) is the `spec`'s or the patch's, refused as the field itself refuses it.
# The operator refuses most of them too, in the releases that check them (activeDeadlineSeconds 0; minReplicas -1
# from 1.6.0, whose CRD has no minimum; an upgradeStrategy type of no strategy), and the CRD often says nothing.
# Any other finding (a type, a pattern, a missing or unknown field, an empty text) may be the reading's rather
# than the value's (a quantity the CRD takes as a number): then the rules do not run, and the CRD check is all
# there is.
OUT_OF_RANGE = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"})
SCHEMA = INPUT_SCHEMA.id


@dataclass(frozen=True)
class ObjectRules:
    """Runs the rules on objects read back into items, for one environment."""

    context: RuleContext
    validator: SchemaValidator
    at: Origin  # where every problem of such a reading points (the caller relocates them)
    # whether a reading writes the fields that rules read from `spec` (SPEC_READ) into its item's `spec`: for
    # patches, which may write them; not for the item's own `spec`, whose rules already read it
    spec_read: bool

    def new_problems(self, before: dict[str, Any], after: dict[str, Any]) -> list[Problem]:
        found_before, found_after = self._problems(before), self._problems(after)
        if found_before is None or found_after is None:
            return []
        seen = {(problem.rule, problem.message) for problem in found_before}
        return [problem for problem in found_after if (problem.rule, problem.message) not in seen]

    def _problems(self, document: dict[str, Any]) -> list[Problem] | None:
        section = SECTIONS.get(str(document.get("kind")))
        if section is None:
            return None
        data = {key: value for key, value in self.context.data.items() if key not in LEFT_OUT}
        item = _with_ray_mounts(ray_item(document), document)
        written = spec_read_fields(document) if self.spec_read else {}
        if written:
            item[OVERRIDE] = written
        data[section] = [item]
        findings = self.validator.findings(data)
        # "" is no value to KubeRay and the API server, which default it (serviceType, imagePullPolicy, protocol)
        if any(finding.kind not in OUT_OF_RANGE or value_at(data, finding.path) == "" for finding in findings):
            return None
        if findings:  # named by where the object holds the value, as `spec` and patches write it
            kind = str(document["kind"])
            return [
                Problem(
                    None,
                    (),
                    f"{format_path(crd_path_of(kind, finding.path[2:]) or finding.path[2:])}: {finding.message}",
                    finding.hint,
                    rule=SCHEMA,
                )
                for finding in findings
            ]
        reading = RuleContext(self.context.file, data, self.at, self.context.release, self.context.history)
        return [problem for problem in check_rules(reading) if problem.is_error]


def object_rules(
    context: RuleContext, validator: SchemaValidator
) -> Callable[[dict[str, Any], dict[str, Any]], list[Problem]]:
    """The rules on a Ray object before and after the patches: what the patches break."""
    return _rules(context, validator, spec_read=True).new_problems


def _rules(context: RuleContext, validator: SchemaValidator, *, spec_read: bool) -> ObjectRules:
    """The rules of `context`'s environment on readings that point at the file's root (callers relocate)."""
    return ObjectRules(context, validator, Origin(context.origin.key, context.origin.value), spec_read)


def override_problems(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    context: RuleContext,
    validator: SchemaValidator,
) -> list[Problem]:
    """The rules on each Ray object as its item's `spec` leaves it: what it breaks that the structured fields
    did not, reported at that `spec`."""
    rules = _rules(context, validator, spec_read=False)
    problems = []
    for before, after in pairs:
        kind, name = str(after["kind"]), str(after["metadata"]["name"])
        section = SECTIONS[kind]
        index = next(i for i, item in enumerate(context.data.get(section, [])) if item.get("name") == name)
        at = (section, index, OVERRIDE)
        for new in rules.new_problems(before, after):
            message = f"{kind} {name} with its spec: {new.message}"
            problems.append(
                Problem(locate(context.origin, at), at, message, new.hint, file=context.file, rule=new.rule)
            )
    return problems


def _with_ray_mounts(item: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The reading of `document` with each group's Ray container mounts and pod volumes as a podTemplate, which
    the structured fields do not read back (the TLS and GCS rules look at them): a mount written through `spec`
    or a patch is then seen."""
    kind = str(document["kind"])
    spec = value_at(document.get("spec") or {}, CLUSTER_SPEC[kind])
    cluster = value_at(item, CLUSTER_ITEM[kind])
    if not isinstance(spec, dict) or not isinstance(cluster, dict):
        return item
    pairs = [(spec.get("headGroupSpec"), cluster.get("head"), True)]
    pairs += [
        (group_spec, group_item, False)
        for group_spec, group_item in zip(
            spec.get("workerGroupSpecs") or [], cluster.get("workerGroups") or [], strict=False
        )
    ]
    for group_spec, group_item, head in pairs:
        pod = value_at(group_spec, ("template", "spec")) if isinstance(group_spec, dict) else None
        if not isinstance(pod, dict) or not isinstance(group_item, dict):
            continue
        containers = pod.get("containers") or [{}]
        mounts = containers[0].get("volumeMounts") if isinstance(containers[0], dict) else None
        if not mounts and not pod.get("volumes"):
            continue
        template: dict[str, Any] = {
            "containers": [{"name": ray_container(group_item, head), "volumeMounts": mounts or []}]
        }
        if pod.get("volumes"):
            template["volumes"] = pod["volumes"]
        group_item["podTemplate"] = {"spec": template}
    return item


def spec_read_fields(document: dict[str, Any]) -> dict[str, Any]:
    """What a Ray object's spec holds of the fields rules read from an item's `spec` (SPEC_READ), as that `spec`
    would write them: nothing else, and {} when it holds none."""
    picked = _picked(document, spec_read_paths(str(document.get("kind"))))
    spec = picked.get("spec") if isinstance(picked, dict) else None
    return spec if isinstance(spec, dict) else {}


_MISSING = object()


def _picked(value: Any, paths: tuple[tuple[str | int, ...], ...]) -> Any:
    """What `value` holds at `paths` (`EVERY`: each item of a list, which keeps its length and order so that an
    index means the same item), and nothing else: `_MISSING` when it holds none of them."""
    picked: Any = _MISSING
    for path in paths:
        picked = _merged(picked, _picked_at(value, path))
    return picked


def _picked_at(value: Any, path: tuple[str | int, ...], key: str | None = None) -> Any:
    """What `value` holds at `path`; each item of a list keyed by `key` (a worker group's groupName) keeps its key,
    so that the `spec` written merges into the item's group of that name rather than replace the groups."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == EVERY:
        if not isinstance(value, list):
            return _MISSING
        items = [_picked_at(item, rest) for item in value]
        if all(picked is _MISSING for picked in items):
            return _MISSING
        return [
            _with_key(item, {} if picked is _MISSING else picked, key)
            for item, picked in zip(value, items, strict=True)
        ]
    if not isinstance(value, dict) or head not in value:
        return _MISSING
    inner = _picked_at(value[head], rest, MERGE_KEYS.get(str(head)))
    return _MISSING if inner is _MISSING else {head: inner}


def _with_key(item: Any, picked: Any, key: str | None) -> Any:
    if key is None or not isinstance(item, dict) or key not in item or not isinstance(picked, dict):
        return picked
    return {key: item[key], **picked}


def _merged(left: Any, right: Any) -> Any:
    """Two pickings of one value together (their lists, of one list, have the same length)."""
    if left is _MISSING:
        return right
    if right is _MISSING:
        return left
    if isinstance(left, dict) and isinstance(right, dict):
        return {**left, **{key: _merged(left[key], value) if key in left else value for key, value in right.items()}}
    if isinstance(left, list) and isinstance(right, list):
        return [_merged(one, other) for one, other in zip(left, right, strict=True)]
    return right
