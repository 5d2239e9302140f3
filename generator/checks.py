"""Every check has a stable id, printed with each problem it finds (`error[worker-bounds]: …`).

A check says what it checks and where that comes from: an upstream source (KubeRay, Kubernetes, Argo CD,
Flux, Helm, Ray), the generator's own layout, or `LINT`, advice of ours that a user may waive for one
object (`lint: {ignore: [ID]}`); upstream rules cannot be waived. The semantic rules declare theirs
beside their code (generator/rules/); the checks of the other stages (reading, merging, the input
schema, the rendered output) are declared here. docs/rules.md is generated from both (`make docs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import Severity

LINT = "lint, not upstream"
KUBERAY_VALIDATION = "ray-operator/controllers/ray/utils/validation.go"
KUBERAY_SERVICES = "ray-operator/controllers/ray/common/service.go"  # the Services the operator builds
TOOL = "kuberay-gitops: the generated layout needs it"
KUBERNETES_API = (
    "the Kubernetes API (object metadata and namespaced kinds) and GitOps: Git holds every object in plain text"
)


@dataclass(frozen=True)
class Check:
    id: str
    checks: str  # what it checks, one sentence
    source: str  # the upstream source, TOOL, or LINT
    fails: str = ""  # a failing example (YAML merged over the example base), for semantic rules
    passes: str = ""  # the same fixed
    cases: tuple[str, ...] = ()  # corpus cases (tests/corpus/) that show it
    severity: Severity = "error"  # warnings: likely wrong but not refused by anything upstream

    @property
    def waivable(self) -> bool:
        return self.source == LINT


# Reading (input/load.py)
YAML_SYNTAX = Check(
    "yaml-syntax",
    "the file is YAML 1.2 text holding one mapping: syntax errors with the parser's position, forbidden "
    "characters, an empty file, a document that is not a mapping",
    "YAML 1.2",
    cases=(
        "yaml-syntax",
        "yaml-tab",
        "yaml-indent-less",
        "yaml-unquoted-colon",
        "yaml-unclosed-quote",
        "yaml-unclosed-list",
        "yaml-missing-colon",
        "yaml-undefined-alias",
        "yaml-reserved-character",
        "yaml-colon-missing-in-block",
        "yaml-extra-brace",
        "yaml-text-after-quote",
        "empty-file",
        "not-a-mapping",
    ),
)
YAML_LIMITS = Check(
    "yaml-limits",
    "size (1 MiB), nesting depth (64) and alias (100 uses) limits, against documents that explode when read",
    TOOL,
    cases=("yaml-too-deep",),
)
DUPLICATE_KEY = Check(
    "duplicate-key",
    "a key appears once per mapping; both lines are named (YAML 1.2 forbids duplicates, most readers keep the last)",
    "YAML 1.2",
    cases=("duplicate-key",),
)
PLAIN_DATA = Check(
    "plain-data",
    "plain data only: no tags, dates, merge keys (`<<`), non-text keys, `\\uD800`-`\\uDFFF` escapes, infinity or "
    "NaN, integers that are not YAML 1.2",
    TOOL,
    cases=("date-value", "yaml-tag", "non-text-key", "not-finite"),
)
OCTAL_NUMBER = Check(
    "octal-number",
    "integers with a leading zero (`0644`): YAML 1.2 reads them as decimal, kubectl (YAML 1.1) as octal",
    "YAML 1.1 in kubectl",
    cases=("leading-zero-octal",),
)
# Merging (input/resolve.py, pipeline.py)
EXTENDS = Check(
    "extends",
    "`extends` names an existing partial, has no cycle, and partials do not set `name`",
    TOOL,
    cases=(
        "unknown-partial",
        "extends-not-a-partial",
        "extends-a-path",
        "extends-cycle",
        "partial-sets-name",
        "error-in-partial",
    ),
)
DUPLICATE_NAME = Check(
    "duplicate-name",
    "a name is used once within one list of one file (lists of named items merge by name)",
    TOOL,
    cases=("duplicate-names",),
)
FILE_NAME = Check(
    "file-name",
    "environment files end in .yaml (a .yml file would be ignored)",
    TOOL,
    cases=("yml-extension",),
)
# The environment JSON Schema (input/schema_check.py)
INPUT_SCHEMA = Check(
    "input-schema",
    "schemas/environment.schema.json: unknown fields (with 'did you mean', also inside runtimeEnv and Serve "
    "applications), missing required fields, types (with how to write the value), enumerations, DNS-1123 "
    "names, quantities, bounds; Serve's ray_actor_options keys, route_prefix and import_path as Ray Serve "
    "checks them (python/ray/serve/_private/config.py, python/ray/serve/schema.py)",
    TOOL,
    cases=(
        "unknown-field",
        "missing-required",
        "wrong-type",
        "bad-enum",
        "unsupported-version",
        "bad-quantity",
        "serve-actor-options",
        "number-for-text",
        "port-name",
    ),
)
# Rendered objects (validate/)
CRD_SCHEMA = Check(
    "crd-schema",
    "every rendered object against the CRD schema of its kind in the pinned KubeRay release (Argo CD and Flux "
    "objects against theirs), reported at the environment line that produced the value",
    "the CRDs of the pinned release (schemas/kuberay/<tag>/)",
    cases=("output-schema", "history-server-field", "merged-env-item", "spec-group-typo"),
)
CRD_CEL = Check(
    "crd-cel",
    "the CEL validation rules (x-kubernetes-validations) of the CRD, without oldSelf, as the API server runs them",
    "the CRDs of the pinned release (schemas/kuberay/<tag>/)",
    cases=("cel-rules",),
)
OBJECT_SIZE = Check(
    "object-size",
    "every rendered object fits what the API server stores: 1.5 MiB an object (etcd's default request limit), "
    "1 MiB for the data of a ConfigMap",
    "Kubernetes: etcd --max-request-bytes, ConfigMap validation (pkg/apis/core/validation, MaxSecretSize)",
    cases=("object-too-large",),
)
POD_SECURITY = Check(
    "pod-security",
    "every pod KubeRay will create for a Ray object passes the Pod Security Standard its namespace enforces "
    "(podSecurity, restricted by default): the rendered templates, the autoscaler sidecar, the submitter",
    "Kubernetes Pod Security Standards (k8s.io/pod-security-admission/policy)",
    cases=("pod-security-restricted",),
)
POD_FIELDS = Check(
    "pod-fields",
    "every pod template KubeRay makes pods of holds what the API server checks of a pod beyond the CRD's schema: "
    "port numbers (1-65535) and names, probes' and hooks' ports, a port's protocol, imagePullPolicy",
    "Kubernetes: pkg/apis/core/validation/validation.go (validateContainerPorts, validateHTTPGetAction, "
    "validateTCPSocketAction, validateGRPCAction, validatePullPolicy)",
    cases=("pod-fields",),
)
CHART_VALUES = Check(
    "chart-values",
    "the values rendered for a chart-delivered RayCluster use only keys of the pinned ray-cluster chart",
    "the ray-cluster chart's values.yaml of the pinned release",
)
PATCH_TARGET = Check(
    "patch-target",
    "every entry of `patches` applies to at least one object of the workloads overlay (matched as kustomize "
    "matches patches: docs/environment.md, `patches[]`), with regular expressions Go's regexp reads, and applies "
    "cleanly (a JSON patch whose path does not exist fails kustomize build, as does one that renames an object to "
    "another's name); the Ray objects it changes are checked again, as patched, against the CRD",
    "Kustomize: a patch whose target selects nothing is skipped silently (api/types/selector.go); a "
    "strategic-merge patch without a target that names no object fails the build (api/internal/builtins/"
    "PatchTransformer.go:117-121 at api/v0.21.1)",
    cases=("patch-matches-nothing", "merge-patch-names-nothing", "patch-breaks-object"),
)
OBJECT_SCHEMA = Check(
    "object-schema",
    "every entry of `objects` against the OpenAPI schema of its kind in target.kubernetesVersion (the "
    "kubernetes-validate package's strict schemas), or against the JSON Schema `objectSchemas` names for a kind "
    "outside the Kubernetes API; `unchecked` there renders that kind without a check. What `patches` write into "
    "objects other than the Ray kinds too: a strategic-merge patch's values against the kind's schema, all fields "
    "optional, an object a JSON patch (or a merge patch of a kind kustomize has no schema of) changes whole",
    "the Kubernetes OpenAPI documents of each release, as JSON Schema (kubernetes-validate)",
    cases=("object-schema", "patch-breaks-other-kind", "object-quantity"),
)
OBJECT_IDENTITY = Check(
    "object-identity",
    "no entry of `objects` is an object that the generator writes itself in the environment's namespace (the "
    "Role and RoleBinding of a single-namespace operator, or of the Flux workloads account), by group, kind and "
    "name, nor is written to a file of the generator's",
    "Kustomize (two objects of one identity fail the build: api/resmap/reswrangler.go:76-84, "
    "api/internal/builtins/NamespaceTransformer.go:68-72 at api/v0.21.1) and Flux (two Kustomizations that "
    'apply one object take it from each other: docs/gitops.md, "One object, one source")',
    cases=("object-written-twice", "object-written-twice-grant"),
)
# Waivers (rules/waivers.py)
LINT_WAIVER = Check(
    "lint-waiver",
    "`lint.ignore` names lints by id; upstream rules cannot be waived",
    TOOL,
    cases=("lint-waiver",),
)

STAGE_CHECKS: tuple[tuple[str, tuple[Check, ...]], ...] = (
    ("Reading the file", (YAML_SYNTAX, YAML_LIMITS, DUPLICATE_KEY, PLAIN_DATA, OCTAL_NUMBER)),
    ("Merging partials", (EXTENDS, DUPLICATE_NAME, FILE_NAME)),
    ("The environment schema", (INPUT_SCHEMA,)),
    ("Waivers", (LINT_WAIVER,)),
    (
        "Rendered objects",
        (
            CRD_SCHEMA,
            CRD_CEL,
            OBJECT_SIZE,
            POD_SECURITY,
            POD_FIELDS,
            CHART_VALUES,
            PATCH_TARGET,
            OBJECT_SCHEMA,
            OBJECT_IDENTITY,
        ),
    ),
)
