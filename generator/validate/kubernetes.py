"""Stage 6 for `objects`: each one against the OpenAPI schema of its kind.

Kinds of the Kubernetes API are checked against the strict schemas of the environment's Kubernetes version
(target.kubernetesVersion), which the kubernetes-validate package ships: the OpenAPI documents of each
Kubernetes release as JSON Schema, readable offline. Other kinds (Kueue, Volcano, Gateway API, SealedSecret,
...) are checked against the JSON Schema that `objectSchemas` names for their apiVersion/kind, or rendered
unchecked where it says so. Problems point at the object's line in the environment file.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from generator.cache import KUBERNETES, cache_folder, file_status, status_text
from generator.checks import OBJECT_SCHEMA
from generator.errors import DocPath, Problem, format_path
from generator.input.envschema import (
    DNS1123_LABEL_MAX,
    DNS1123_LABEL_OR_NONE,
    PERCENT,
    PERCENT_UP_TO_100,
    PORT_NAME,
    PORT_NAME_MAX,
    PORT_NAME_OR_NONE,
)
from generator.input.pattern_keyword import end_of_text_class
from generator.input.schema_check import KUBERNETES_QUANTITY, SchemaValidator, findings
from generator.model.build import UNCHECKED
from generator.outcome_cache import OutcomeCache
from generator.source import Origin, locate, value_at

if TYPE_CHECKING:  # jsonschema is imported when an environment has objects to check
    from jsonschema.protocols import Validator
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable

SCHEMAS_PACKAGE = "kubernetes_validate"
SCHEMAS_FOLDER = "kubernetes-json-schema"
# the group's first label and the version: rbac.authorization.k8s.io/v1 -> rbac-v1 (kubernetes_validate/utils.py)
_GROUP_PREFIX = re.compile(r"^([^./]*)(?:\.[^/]*)?/")
_VERSION_FOLDER = re.compile(r"^v(1\.[0-9]+)\.0-local-strict$")


def schema_key(item: Mapping[str, Any]) -> str:
    """An object's key in `objectSchemas`: apiVersion/kind (v1/Service, kueue.x-k8s.io/v1beta1/LocalQueue)."""
    return f"{item.get('apiVersion')}/{item.get('kind')}"


def _version_key(version: str) -> tuple[int, ...]:
    """A Kubernetes minor version (1.34, as target.kubernetesVersion's pattern has it) in release order."""
    return tuple(int(part) for part in version.split("."))


class KubernetesSchemas:
    """Validators of Kubernetes kinds by (version, apiVersion, kind), read once per run when first needed."""

    def __init__(self) -> None:
        self._validators: dict[tuple[str, str, str], Validator | None] = {}
        self._part_validators: dict[tuple[str, str, str], Validator | None] = {}
        # each kind's schema and registry, read once for both validators
        self._sources: dict[tuple[str, str, str], tuple[dict[str, Any], Registry[Any]] | None] = {}
        self._definitions: dict[str, Resource[Any]] = {}
        self._patched_field_validators: dict[tuple[str, str], SchemaValidator | None] = {}

    @cached_property
    def _root(self) -> Path:
        # the package's folder, found without importing the package: its __init__ imports jsonschema and its own
        # validators, 0.16 s of every run that checks an object or a pod, none of it used here
        spec = importlib.util.find_spec(SCHEMAS_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(f"No module named {SCHEMAS_PACKAGE!r}", name=SCHEMAS_PACKAGE)
        return Path(next(iter(spec.submodule_search_locations))) / SCHEMAS_FOLDER

    @cached_property
    def versions(self) -> tuple[str, ...]:
        """The Kubernetes minor versions whose schemas are at hand, oldest first."""
        found = [match.group(1) for entry in self._root.iterdir() if (match := _VERSION_FOLDER.match(entry.name))]
        return tuple(sorted(found, key=_version_key))

    def nearest_version(self, version: str) -> str:
        """`version` when its schemas are at hand, else the nearest that is: the newest before it, or the oldest."""
        if version in self.versions or not self.versions:
            return version
        earlier = [known for known in self.versions if _version_key(known) <= _version_key(version)]
        return earlier[-1] if earlier else self.versions[0]

    def validator(self, version: str, api_version: str, kind: str) -> Validator | None:
        """The validator of a kind of the Kubernetes API in `version`, None when the API has no such kind."""
        key = (version, api_version, kind)
        if key not in self._validators:
            source = self._source(version, api_version, kind)
            self._validators[key] = end_of_text_class()(source[0], registry=source[1]) if source else None
        return self._validators[key]

    def part_validator(self, version: str, api_version: str, kind: str) -> Validator | None:
        """The validator of what a strategic-merge patch writes into an object of a Kubernetes kind: the kind's
        schema with every field optional and no count of items or fields (a patch writes part of an object, and
        merges its lists' items into the object's), None when the API has no such kind."""
        key = (version, api_version, kind)
        if key not in self._part_validators:
            source = self._source(version, api_version, kind)
            self._part_validators[key] = _part_validator_class()(source[0], registry=source[1]) if source else None
        return self._part_validators[key]

    def patched_field_validator(self, version: str, definition: str) -> SchemaValidator | None:
        """A validator of what FIELD_PATCHES hold the fields of `definition` to, and of nothing else (no type,
        required or unknown field: the schema of what embeds it checks those), for the pod templates of Ray objects,
        which the KubeRay CRDs hold to no more than the OpenAPI schemas do; None when `version` has no schemas."""
        key = (version, definition)
        if key not in self._patched_field_validators:
            validator = None
            if version in self.versions:
                schema = _kept_schema(
                    self._root.joinpath(f"v{version}.0-local-strict", "_definitions.json"),
                    definition,
                    lambda: patched_fields_schema(self._definitions_contents(version)["$defs"], definition),
                )
                validator = SchemaValidator(schema) if schema is not None else None
            self._patched_field_validators[key] = validator
        return self._patched_field_validators[key]

    def _definitions_contents(self, version: str) -> dict[str, Any]:
        _, resource = self._definitions_of(version, self._root.joinpath(f"v{version}.0-local-strict"))
        return cast("dict[str, Any]", resource.contents)

    def _source(self, version: str, api_version: str, kind: str) -> tuple[dict[str, Any], Registry[Any]] | None:
        """The schema of a kind and the registry that resolves its references, None when the API has no such
        kind in `version`."""
        key = (version, api_version, kind)
        if key not in self._sources:
            self._sources[key] = self._read_source(version, api_version, kind)
        return self._sources[key]

    def _read_source(self, version: str, api_version: str, kind: str) -> tuple[dict[str, Any], Registry[Any]] | None:
        from referencing import Registry, Resource

        folder = self._root.joinpath(f"v{version}.0-local-strict")
        group_version = _GROUP_PREFIX.sub(r"\1-", api_version)
        document = folder.joinpath(f"{kind.lower()}-{group_version}.json")
        if not document.is_file():
            return None
        schema = json.loads(document.read_text(encoding="utf-8"))
        # a kind's file describes one apiVersion; a file of another group with the same first label is not it
        kinds = schema.get("x-kubernetes-group-version-kind") or []
        if not any(_api_version(entry) == api_version and entry.get("kind") == kind for entry in kinds):
            return None
        registry: Registry[Any] = Registry().with_resources(
            [(schema["$id"], Resource.from_contents(schema)), self._definitions_of(version, folder)]
        )
        return schema, registry

    def _definitions_of(self, version: str, folder: Any) -> tuple[str, Resource[Any]]:
        from referencing import Resource

        if version not in self._definitions:
            contents = json.loads(folder.joinpath("_definitions.json").read_text(encoding="utf-8"))
            definitions_by_name = contents.get("$defs", {})
            if QUANTITY_DEFINITION in definitions_by_name:
                definitions_by_name[QUANTITY_DEFINITION] = QUANTITY_SCHEMA
            for definition, field_name, patch in FIELD_PATCHES:
                properties = value_at(definitions_by_name, (definition, "properties"))
                if isinstance(properties, dict) and isinstance(properties.get(field_name), dict):
                    described = properties[field_name].get("description")
                    properties[field_name] = {**({"description": described} if described else {}), **patch}
            self._definitions[version] = Resource.from_contents(contents)
        definitions = self._definitions[version]
        return str(definitions.id()), definitions


# A quantity of the OpenAPI schemas is any text or number; the API server parses the text
# (resource.ParseQuantity) and refuses `4GB` or `0.5cpu`, as the CRDs' pattern for it does. Text is held to that
# pattern, with which schema_check words the error; a null is no value, as it is to the API server.
QUANTITY_DEFINITION = "io.k8s.apimachinery.pkg.api.resource.Quantity"
QUANTITY_SCHEMA = {"type": ["string", "number", "null"], "pattern": KUBERNETES_QUANTITY}
# Fields that are any text (or any int-or-string) to the OpenAPI schemas, and that the API server holds to more
# (kubernetes/kubernetes pkg/apis/core/validation/validation.go, pkg/apis/apps/validation/validation.go,
# pkg/apis/policy/validation/validation.go): held to the same here, so that `objects` learn it before the sync.
# An int-or-string is an integer or text (a null is none); its text is held to the pattern, its integer to the
# bounds. Each replaces the field's schema, its description kept. A word the API server defaults when empty (a
# protocol, a strategy's type) takes "" and null besides its values.
_TEXT_OR_NONE = ["string", "null"]
_INT_OR_STRING = ["integer", "string", "null"]
# IsValidPortNum
_PORT_NUMBER = {"minimum": 1, "maximum": 65535}
# ValidatePortNumOrName: a port number or a port name; required where it is used here (a probe's or hook's port)
_PORT_NUMBER_OR_NAME = {"type": ["integer", "string"], **_PORT_NUMBER, "pattern": PORT_NAME, "maxLength": PORT_NAME_MAX}
_PROTOCOL = {"enum": ["TCP", "UDP", "SCTP", "", None]}  # supportedPortProtocols; "" defaults to TCP


def _defaulted_word(*values: str) -> dict[str, Any]:
    return {"enum": [*values, "", None]}


FIELD_PATCHES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # validateContainerPorts: IsValidPortName when set (an empty name is none), as the environment schema's ports
    (
        "io.k8s.api.core.v1.ContainerPort",
        "name",
        {"type": _TEXT_OR_NONE, "pattern": PORT_NAME_OR_NONE, "maxLength": PORT_NAME_MAX},
    ),
    # validateContainerPorts: containerPort a port number (0 is none, which is required), hostPort one when set
    ("io.k8s.api.core.v1.ContainerPort", "containerPort", {"type": "integer", **_PORT_NUMBER}),
    ("io.k8s.api.core.v1.ContainerPort", "hostPort", {"type": ["integer", "null"], "minimum": 0, "maximum": 65535}),
    ("io.k8s.api.core.v1.ContainerPort", "protocol", _PROTOCOL),
    # validateContainer: validatePullPolicy (SetDefaults_Container fills in an empty one)
    ("io.k8s.api.core.v1.Container", "imagePullPolicy", _defaulted_word("Always", "IfNotPresent", "Never")),
    # validateHTTPGetAction, validateTCPSocketAction: ValidatePortNumOrName; validateGRPCAction: a port number
    ("io.k8s.api.core.v1.HTTPGetAction", "port", _PORT_NUMBER_OR_NAME),
    ("io.k8s.api.core.v1.TCPSocketAction", "port", _PORT_NUMBER_OR_NAME),
    ("io.k8s.api.core.v1.GRPCAction", "port", {"type": "integer", **_PORT_NUMBER}),
    # ValidateService: supportedServiceType (SetDefaults_Service makes an empty one ClusterIP)
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "type",
        _defaulted_word("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    ),
    # validateServicePort: port a port number, the protocol one of supportedPortProtocols
    ("io.k8s.api.core.v1.ServicePort", "port", {"type": "integer", **_PORT_NUMBER}),
    ("io.k8s.api.core.v1.ServicePort", "protocol", _PROTOCOL),
    # validateServicePort: a DNS-1123 label when set; targetPort through ValidatePortNumOrName, a port number or
    # name, where 0 and "" are none (SetDefaults_Service makes them the port)
    (
        "io.k8s.api.core.v1.ServicePort",
        "name",
        {"type": _TEXT_OR_NONE, "pattern": DNS1123_LABEL_OR_NONE, "maxLength": DNS1123_LABEL_MAX},
    ),
    (
        "io.k8s.api.core.v1.ServicePort",
        "targetPort",
        {"type": _INT_OR_STRING, "minimum": 0, "maximum": 65535, "pattern": PORT_NAME_OR_NONE, "maxLength": 15},
    ),
    # ValidateRollingUpdateDeployment: ValidatePositiveIntOrPercent for both, IsNotMoreThan100Percent for
    # maxUnavailable
    (
        "io.k8s.api.apps.v1.RollingUpdateDeployment",
        "maxSurge",
        {"type": _INT_OR_STRING, "minimum": 0, "pattern": PERCENT},
    ),
    (
        "io.k8s.api.apps.v1.RollingUpdateDeployment",
        "maxUnavailable",
        {"type": _INT_OR_STRING, "minimum": 0, "pattern": PERCENT_UP_TO_100},
    ),
    # ValidateDeploymentStrategy, ValidateDaemonSetUpdateStrategy, ValidateStatefulSetSpec: the strategies' types
    # (SetDefaults_Deployment, _DaemonSet and _StatefulSet make an empty one RollingUpdate)
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type", _defaulted_word("Recreate", "RollingUpdate")),
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type", _defaulted_word("RollingUpdate", "OnDelete")),
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type", _defaulted_word("RollingUpdate", "OnDelete")),
    # ValidateRollingUpdateDaemonSet: ValidatePositiveIntOrPercent and IsNotMoreThan100Percent for both
    *(
        (
            "io.k8s.api.apps.v1.RollingUpdateDaemonSet",
            field_name,
            {"type": _INT_OR_STRING, "minimum": 0, "pattern": PERCENT_UP_TO_100},
        )
        for field_name in ("maxUnavailable", "maxSurge")
    ),
    # ValidatePodDisruptionBudgetSpec: both through ValidatePositiveIntOrPercent and IsNotMoreThan100Percent
    *(
        (
            "io.k8s.api.policy.v1.PodDisruptionBudgetSpec",
            field_name,
            {"type": _INT_OR_STRING, "minimum": 0, "pattern": PERCENT_UP_TO_100},
        )
        for field_name in ("minAvailable", "maxUnavailable")
    ),
)


_LOCAL_DEFINITION = "#/$defs/"
_SCHEMA_SUFFIX = ".json"  # a kept pruned schema (_kept_schema)


def _kept_schema(definitions: Any, root: str, derive: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    """`derive()`, kept in the cache folder (generator/cache.py) by what decides it: the definitions file of
    kubernetes-validate (by its status, as the cache tells files apart), the root, FIELD_PATCHES, and this
    module's code, which prunes. Reading the definitions and pruning them took a quarter of a second of every run
    that checks a pod; the kept schema, a millisecond."""
    folder = cache_folder(os.environ, KUBERNETES)
    if folder is None:
        return derive()
    deciding = (
        status_text(file_status(str(definitions))),
        root,
        json.dumps(FIELD_PATCHES, sort_keys=True),
        status_text(file_status(__file__)),
    )
    key = hashlib.sha256("\n".join(deciding).encode()).hexdigest()[:32]
    entries = OutcomeCache(folder)  # its entries are written whole or not at all, and read as bytes
    kept = entries.get(key, _SCHEMA_SUFFIX)
    if kept is not None:
        with contextlib.suppress(ValueError):  # not JSON: written by something else, derived again
            return cast("dict[str, Any] | None", json.loads(kept))
    schema = derive()
    entries.put(key, json.dumps(schema).encode(), _SCHEMA_SUFFIX)
    return schema


def patched_fields_schema(definitions: Mapping[str, Any], root: str) -> dict[str, Any] | None:
    """The schema of the definition `root` pruned to the fields FIELD_PATCHES replace (as patched) and the paths
    that lead to them, each through `properties`, `items`, `additionalProperties` and local `$ref`s; None when no
    path leads to one."""
    patched = {(definition, field_name) for definition, field_name, _ in FIELD_PATCHES}

    def referenced(node: Any) -> str | None:
        """The definition a field's schema leads to, through its items or values."""
        while isinstance(node, Mapping):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith(_LOCAL_DEFINITION):
                return reference.removeprefix(_LOCAL_DEFINITION)
            node = node.get("items", node.get("additionalProperties"))
        return None

    def fields(name: str) -> Mapping[str, Any]:
        found = definitions.get(name)
        properties = found.get("properties") if isinstance(found, Mapping) else None
        return properties if isinstance(properties, Mapping) else {}

    # the definitions that hold a patched field or lead to one (cycles included): those that refer to one, back
    # from the patched ones, in one pass over the references
    referring: dict[str, set[str]] = {}
    for name in definitions:
        for node in fields(name).values():
            target = referenced(node)
            if target is not None:
                referring.setdefault(target, set()).add(name)
    leading = {definition for definition, _ in patched}
    waiting = list(leading)
    while waiting:
        for name in referring.get(waiting.pop(), ()):
            if name not in leading:
                leading.add(name)
                waiting.append(name)
    if root not in leading:
        return None

    def pruned(node: Any) -> Any:
        """A field's schema that leads to a definition of `leading`, with nothing but the way there."""
        if "$ref" in node:
            return {"$ref": node["$ref"]}
        keyword = "items" if "items" in node else "additionalProperties"
        return {keyword: pruned(node[keyword])}

    kept: dict[str, Any] = {}
    waiting = [root]
    while waiting:
        name = waiting.pop()
        if name in kept:
            continue
        properties: dict[str, Any] = {}
        for field_name, node in fields(name).items():
            if (name, field_name) in patched:
                properties[field_name] = {key: value for key, value in node.items() if key != "description"}
            elif (target := referenced(node)) in leading and target is not None:
                properties[field_name] = pruned(node)
                waiting.append(target)
        kept[name] = {"properties": properties}
    return {"$defs": kept, "$ref": _LOCAL_DEFINITION + root}


# the keywords that bound what a whole object holds, which a part of one need not meet
_WHOLE_OBJECT_KEYWORDS = ("required", "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems")


@functools.cache
def _part_validator_class(whole: type[Validator] | None = None) -> type[Validator]:
    """`whole` (Draft 2020-12's by default, with `pattern` as the API server reads it) without the keywords that
    bound what a whole object holds."""
    from jsonschema.validators import extend

    def ignored(*_arguments: Any) -> None:
        return None

    base = end_of_text_class() if whole is None else whole
    # jsonschema's extend is untyped
    return cast("type[Validator]", extend(base, dict.fromkeys(_WHOLE_OBJECT_KEYWORDS, ignored)))  # type: ignore[no-untyped-call]


def _api_version(entry: Mapping[str, Any]) -> str:
    group, version = entry.get("group", ""), entry.get("version", "")
    return f"{group}/{version}" if group else str(version)


def object_problems(
    objects: Sequence[tuple[DocPath, Mapping[str, Any]]],
    data: Mapping[str, Any],
    origin: Origin,
    environment_file: Path,
    version: str,
    schemas: KubernetesSchemas,
) -> list[Problem]:
    """Each item of `objects` and `clusterObjects` (with its document path) against the schema of its kind,
    located at its line of the environment file."""
    if not objects:  # most environments: then referencing (about 35 ms to import) is not imported
        return []
    from referencing.exceptions import Unresolvable

    problems: list[Problem] = []
    chosen = data.get("objectSchemas", {})
    if version not in schemas.versions:
        return [unknown_version_problem(version, schemas, origin, environment_file)]
    read: dict[str, tuple[Validator | None, Problem | None]] = {}  # each objectSchemas file, read once
    for where, item in objects:
        key = schema_key(item)
        if key in chosen:
            if chosen[key] == UNCHECKED:
                continue
            if key not in read:
                read[key] = user_validator(environment_file, chosen[key], key, origin)
                unreadable = read[key][1]
                if unreadable is not None:
                    problems.append(unreadable)  # reported once, at the objectSchemas entry
            validator = read[key][0]
            if validator is None:
                continue
        else:
            validator = schemas.validator(version, str(item["apiVersion"]), str(item["kind"]))
        name = item["metadata"].get("name", "?")
        if validator is None:
            problems.append(
                Problem(
                    locate(origin, (*where, "kind")),
                    (*where, "kind"),
                    f"Kubernetes {version} has no kind {item['kind']} in {item['apiVersion']}, and objectSchemas names "
                    "no schema for it",
                    f"add objectSchemas: {{{key}: FILE.json}} with its JSON Schema (e.g. from the CRD), or "
                    f"{{{key}: {UNCHECKED}}} to render it unchecked",
                    file=environment_file,
                    rule=OBJECT_SCHEMA.id,
                )
            )
            continue
        assert validator is not None
        try:
            found = findings(validator, dict(item))
        except Unresolvable as error:  # a $ref of an objectSchemas file to what is not in it (nothing is fetched)
            problems.append(_unresolvable(error, chosen[key], ("objectSchemas", key), origin, environment_file))
            continue
        except RecursionError:
            # jsonschema follows a $ref as it meets it, so `$ref: '#'` (or a loop of them through allOf, anyOf,
            # ...) never ends; an object's own nesting cannot cause it (at most MAX_DEPTH levels, input/load.py,
            # which jsonschema walks lazily)
            problems.append(_endless(chosen[key], ("objectSchemas", key), origin, environment_file))
            read[key] = (None, None)  # reported once: the other objects of its kind are not checked either
            continue
        for finding in found:
            path = (*where, *finding.path)
            problems.append(
                Problem(
                    locate(origin, path, at_key=finding.at_key),
                    path,
                    f"{item['kind']} {name}, {format_path(finding.path)}: {finding.message}",
                    finding.hint,
                    file=environment_file,
                    rule=OBJECT_SCHEMA.id,
                )
            )
    return problems


def unknown_version_problem(
    version: str, schemas: KubernetesSchemas, origin: Origin, environment_file: Path
) -> Problem:
    """target.kubernetesVersion names a release whose schemas are not at hand, when some object needs them."""
    known = ", ".join(schemas.versions)
    return Problem(
        locate(origin, ("target", "kubernetesVersion")),
        ("target", "kubernetesVersion"),
        f"no OpenAPI schemas of Kubernetes {version} are installed (kubernetes-validate has {known})",
        "set target.kubernetesVersion to one of those, or upgrade the kubernetes-validate package",
        file=environment_file,
        rule=OBJECT_SCHEMA.id,
    )


def _endless(relative: str, entry: DocPath, origin: Origin, environment_file: Path) -> Problem:
    """An objectSchemas file whose references lead back to themselves without descending into the object."""
    return Problem(
        locate(origin, entry),
        entry,
        f"checking an object against {relative} never ends: its $ref references lead back to where they start "
        "without descending into the object",
        "make each loop of references pass through properties or items (as a schema of a tree does)",
        file=environment_file,
        rule=OBJECT_SCHEMA.id,
    )


def _unresolvable(
    error: Unresolvable, relative: str, entry: DocPath, origin: Origin, environment_file: Path
) -> Problem:
    """A $ref of an objectSchemas file that its own document does not hold: another file or address, or a part
    of the file that is not there."""
    # referencing names a missing anchor bare, and a missing JSON pointer without its #
    anchor, ref = getattr(error, "anchor", None), str(getattr(error, "ref", ""))
    if anchor or not ref or ref.startswith("/"):
        what = f"{relative} refers to {f'#{anchor}' if anchor else f'#{ref}'}, which is not in it"
        hint = "point the $ref at a part of the file, such as #/$defs/NAME"
    else:
        what = f"{relative} refers to {ref}, outside itself"
        hint = "copy what it refers to under $defs in the file and refer to it as #/$defs/NAME"
    return Problem(locate(origin, entry), entry, what, hint, file=environment_file, rule=OBJECT_SCHEMA.id)


def schema_files(environment_file: Path, data: Mapping[str, Any]) -> list[Path]:
    """The JSON Schema files that an environment's `objectSchemas` names: files besides its own that its
    outcome depends on (the outcome cache checks them before it reuses one)."""
    named = data.get("objectSchemas", {})
    return [_schema_path(environment_file, relative) for relative in named.values() if relative != UNCHECKED]


def _schema_path(environment_file: Path, relative: str) -> Path:
    return environment_file.parent / relative


def user_validator(
    environment_file: Path, relative: str, key: str, origin: Origin, *, part: bool = False
) -> tuple[Validator | None, Problem | None]:
    """The validator of a JSON Schema file that `objectSchemas` names (JSON or YAML, any draft jsonschema knows).

    The file must hold all it refers to: jsonschema would otherwise fetch a `$ref` to another file or address
    (with urlopen, so from the network too) when it meets it, which makes a run depend on what no key of the
    outcome cache sees (generator/outcome_cache.py). The validator's registry holds the file alone (and the
    metaschemas jsonschema adds): a `$ref` it does not resolve is a problem (`_unresolvable`)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for
    from referencing import Registry

    path = _schema_path(environment_file, relative)
    where = ("objectSchemas", key)
    hint = "name a JSON Schema file, relative to the environment file, or write unchecked"
    try:
        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(schema, dict):
            raise ValueError("it is not a JSON Schema object")
        cls = validator_for(schema, default=Draft202012Validator)
        cls.check_schema(schema)
    except (OSError, ValueError, yaml.YAMLError, SchemaError, RecursionError) as error:
        if isinstance(error, SchemaError):
            what = f"{relative} is not a valid JSON Schema: {str(error).splitlines()[0]}"
        elif isinstance(error, RecursionError):  # reading it, or checking it against its metaschema
            what = f"cannot read the JSON Schema {relative}: it nests deeper than Python can follow"
        else:
            what = f"cannot read the JSON Schema {relative}: {error}"
        return None, Problem(locate(origin, where), where, what, hint, file=environment_file, rule=OBJECT_SCHEMA.id)
    cls = end_of_text_class(cls)  # a `$` of its patterns ends the text, as to the API server
    if part:  # what a strategic-merge patch writes (KubernetesSchemas.part_validator)
        cls = _part_validator_class(cls)
    return cls(schema, registry=Registry()), None
