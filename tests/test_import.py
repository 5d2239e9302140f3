"""`kuberay-gitops import` on every upstream sample of KubeRay v1.3.0 (tests/fixtures/upstream-samples-all/).

Each sample file goes through import -> render -> `kubectl kustomize`, and every object of it comes out equal
to the manifest, after the normalisation docs/import.md lists (namespace, the generator's two labels, key
order, quoting, v1alpha1 -> v1, unset worker bounds, YAML and JSON held in strings compared as data).

What is not carried is listed below with the reason, and nothing else may be refused:
- plaintext Secrets (refused by design: Git would hold the credential);
- cluster-scoped objects (an environment holds objects of its own namespace; the platform creates these);
- two lints of ours that the samples trip on purpose, waived here as a user would, after which they pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from generator.cli import main
from generator.importer.compare import differences, normalized
from generator.output.serialize import load_yaml_stream
from generator.output.write import OutputScope, write_output
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from tests.conftest import FIXTURES
from tests.kustomize import kustomize_build

SAMPLES = FIXTURES / "upstream-samples-all" / "v1.3.0"
REPO_URL = "https://git.example.com/ray.git"
SECRET = "a Secret with its values in plain text is not carried into Git"
# sample -> kinds/names import refuses, and why (the message it prints)
NOT_CARRIED = {
    "ray-cluster.deprecate-gcs-ft.yaml": {"Secret redis-password-secret": SECRET},
    "ray-cluster.external-redis.yaml": {"Secret redis-password-secret": SECRET},
    "ray-cluster.external-redis-uri.yaml": {"Secret redis-password-secret": SECRET},
    "ray-cluster.persistent-redis.yaml": {"Secret redis-password-secret": SECRET},
    "ray-cluster.tls.yaml": {"Secret ca-tls": SECRET},
    "ray-service.high-availability.yaml": {"Secret redis-password-secret": SECRET},
}
# sample -> (lint id, why the sample trips it, the waiver a user adds: a path in the environment and its value)
WAIVED: dict[str, tuple[str, tuple[str | int, ...], Any]] = {
    # the sample advertises 2 logical GPUs on a CPU-only head on purpose (num-gpus without nvidia.com/gpu)
    "ray-job.resources.yaml": ("gpu-count", ("jobs", 0, "lint"), {"ignore": ["gpu-count"]}),
}


def _samples() -> list[str]:
    return sorted(str(path.relative_to(SAMPLES)) for path in SAMPLES.rglob("*.yaml"))


def _name(sample: str) -> str:
    stem = Path(sample).stem.replace(".", "-").replace("_", "-").lower()
    return stem[:40].strip("-")


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "environments").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _import(sample: str) -> tuple[int, str, str]:
    name = _name(sample)
    arguments = [
        "import",
        str(SAMPLES / sample),
        "--env",
        name,
        "--kuberay-version",
        "1.3.0",
        "--cluster",
        f"https://{name}.example.com",
        "--repo-url",
        REPO_URL,
    ]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _waive(file: Path, path: tuple[str | int, ...], value: Any) -> None:
    yaml = YAML()
    data = yaml.load(file.read_text())
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
    node[path[-1]] = value
    with file.open("w") as stream:
        yaml.dump(data, stream)


def _kustomized(sample: str, tool: ToolData, repository: Path) -> list[dict[str, Any]]:
    name = _name(sample)
    result = build(BuildRequest(repository / "environments", (name,), tool))
    assert not [problem for problem in result.problems if problem.is_error]
    write_output(repository / "rendered", result.files, OutputScope(None))
    return kustomize_build(repository / "rendered" / name / "workloads")


@pytest.mark.parametrize("sample", _samples())
def test_sample_comes_out_of_import_render_and_kustomize_as_it_went_in(
    sample: str, tool: ToolData, repository: Path
) -> None:
    code, stdout, stderr = _import(sample)
    file = repository / "environments" / f"{_name(sample)}.yaml"
    refused = NOT_CARRIED.get(sample, {})
    if sample in WAIVED:
        rule, path, value = WAIVED[sample]
        assert code == 1
        assert f"[{rule}]" in stderr, stderr
        _waive(file, path, value)
    else:
        lines = [line for line in stdout.splitlines() if not line.startswith(("note: ", "wrote "))]
        expected = sorted(f"not carried: {SAMPLES / sample}" for _ in refused)
        assert sorted(line.split(":", 2)[0] + ":" + line.split(":", 2)[1] for line in lines) == expected, stdout
        for what, why in refused.items():
            assert f"{what}: {why}" in stdout
        assert code == (1 if refused else 0)
        assert "error" not in stderr, stderr  # lint warnings (e.g. gpu-toleration) are printed, and pass
    built = {(doc["kind"], doc["metadata"]["name"]): doc for doc in _kustomized(sample, tool, repository)}
    for document in load_yaml_stream((SAMPLES / sample).read_text()):
        if not isinstance(document, dict):
            continue
        manifest = normalized(document)
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        if f"{kind} {name}" in refused:
            assert (kind, name) not in built
            continue
        assert (kind, name) in built, f"{kind} {name} of {sample} is not in the overlay"
        actual = normalized(built[(kind, name)])
        if kind == "RoleBinding":  # kustomize's namespace transformer sets the ServiceAccount subjects' namespace
            for subject in actual.get("subjects", []):
                subject.pop("namespace", None)
        if kind == "ClusterRoleBinding":  # it binds the ServiceAccount where the environment puts it
            for written, subject in zip(manifest.get("subjects", []), actual.get("subjects", []), strict=True):
                account = built.get(("ServiceAccount", subject["name"]))
                if subject["kind"] == "ServiceAccount" and account is not None:
                    assert subject["namespace"] == account["metadata"]["namespace"] != written["namespace"]
                    subject["namespace"] = written["namespace"]
        assert list(differences(manifest, actual)) == [], f"{sample}: {kind} {name}"


def test_every_sample_is_in_the_fixtures() -> None:
    assert len(_samples()) >= 50
    assert set(NOT_CARRIED) | set(WAIVED) <= set(_samples())


def test_an_existing_environment_is_not_overwritten(repository: Path) -> None:
    sample = "ray-cluster.sample.yaml"
    (repository / "environments" / f"{_name(sample)}.yaml").write_text("name: mine\n")
    code, _, stderr = _import(sample)
    assert code == 2
    assert stderr.startswith("kuberay-gitops: error: environments/ray-cluster-sample.yaml exists already")


@pytest.mark.usefixtures("repository")
def test_generate_name_becomes_a_name_with_a_note() -> None:
    sample = "ray-job.kueue-toy-sample.yaml"
    code, stdout, _ = _import(sample)
    assert code == 0
    assert "RayJob generateName rayjob-sample- is named rayjob-sample: GitOps needs a stable name" in stdout


def test_octal_modes_are_written_in_octal(repository: Path) -> None:
    manifest = repository / "cluster.yaml"
    manifest.write_text(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: modes}\nspec:\n  headGroupSpec:\n"
        "    rayStartParams: {}\n    template:\n      spec:\n        containers:\n"
        "          - {name: ray-head, image: rayproject/ray:2.41.0}\n"
        "        volumes:\n          - {name: code, configMap: {name: code, defaultMode: 0755}}\n"
    )
    result = CliRunner().invoke(
        main, ["import", "cluster.yaml", "--env", "modes", "--kuberay-version", "1.3.0", "--repo-url", REPO_URL]
    )
    assert result.exit_code == 0, result.output
    assert "defaultMode: 0o755" in (repository / "environments" / "modes.yaml").read_text()


def _cluster(key: str) -> str:
    """A cluster spec under `key` of a RayJob's or RayService's spec."""
    return (
        f"  {key}:\n    headGroupSpec:\n      rayStartParams: {{}}\n      template:\n        spec:\n"
        "          containers: [{name: ray-head, image: rayproject/ray:2.41.0}]\n"
    )


RAY_JOB = "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: strings}\nspec:\n  entrypoint: python a.py\n"
RAY_SERVICE = "apiVersion: ray.io/v1\nkind: RayService\nmetadata: {name: serve}\nspec:\n"
ODD_MANIFESTS = {
    # YAML and JSON held in strings that the structured fields cannot hold stay the manifest's strings (a
    # runtimeEnvYAML that is no mapping is not among them: the operator refuses it, and so do the rules)
    "job-strings": RAY_JOB
    + '  runtimeEnvYAML: |\n    a_future_plugin: {setting: 1}\n  entrypointResources: \'{"custom": "1"}\'\n'
    + _cluster("rayClusterSpec"),
    "serve-unknown-field": RAY_SERVICE
    + "  serveConfigV2: |\n    applications:\n      - name: app\n        import_path: app:app\n"
    + "        some_future_field: 1\n"
    + _cluster("rayClusterConfig"),
    "serve-without-config": RAY_SERVICE + _cluster("rayClusterConfig"),
    # a RayCronJob, whose environment then switches on the operator's RayCronJob gate
    "cron-job": "apiVersion: ray.io/v1\nkind: RayCronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 2 * * *'\n"
    + "  jobTemplate:\n    entrypoint: python a.py\n"
    + _cluster("rayClusterSpec").replace("\n  ", "\n    ").replace("  rayClusterSpec", "    rayClusterSpec", 1),
    # fields behind operator feature gates, which the environment then switches on (1.7.0)
    "gated-cluster-options": "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: guarded}\nspec:\n"
    + "  networkPolicy: {mode: DenyAllIngress}\n  tlsOptions: {enabled: true}\n  headGroupSpec:\n"
    + "    rayStartParams: {}\n    template:\n      spec:\n"
    + "        containers: [{name: ray-head, image: rayproject/ray:2.41.0}]\n",
    "gated-deletion": RAY_JOB.replace("strings", "cleaned")
    + "  deletionStrategy:\n    deletionRules:\n"
    + "      - {condition: {jobStatus: FAILED, ttlSeconds: 60}, policy: DeleteCluster}\n"
    + _cluster("rayClusterSpec"),
    # words the API server fills in when empty (SetDefaults_Container, SetDefaults_ContainerPort): the structured
    # fields refuse "", so the import leaves them out (it wrote an environment its own schema refused)
    "empty-defaults": "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: plain}\nspec:\n  headGroupSpec:\n"
    + "    rayStartParams: {}\n    template:\n      spec:\n        containers:\n          - name: ray-head\n"
    + "            image: rayproject/ray:2.41.0\n            imagePullPolicy: ''\n"
    + "            ports: [{name: serve, containerPort: 8000, protocol: ''}]\n",
    "list": "apiVersion: v1\nkind: List\nitems:\n"
    + "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {x: '1'}}\n"
    + "  - {apiVersion: v1, kind: Service, metadata: {name: b}, spec: {ports: [{port: 80}]}}\n",
}


@pytest.mark.parametrize("case", sorted(ODD_MANIFESTS))
def test_manifests_the_structured_fields_cannot_hold_come_out_equal(case: str, repository: Path) -> None:
    (repository / "manifest.yaml").write_text(ODD_MANIFESTS[case])
    version = {"cron-job": "1.7.0", "gated-cluster-options": "1.7.0", "gated-deletion": "1.5.0"}.get(case, "1.3.0")
    arguments = ["import", "manifest.yaml", "--env", "odd", "--kuberay-version", version, "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, ""), result.output


def test_a_ray_container_without_an_image_is_not_carried(repository: Path) -> None:
    (repository / "manifest.yaml").write_text(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec: null\n"
    )
    arguments = ["import", "manifest.yaml", "--env", "odd", "--kuberay-version", "1.3.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 1
    assert "RayCluster c: a Ray container without an image cannot be rendered" in result.stdout, result.output
    assert "internal error" not in result.stderr


GCS_CASES = {
    # the password from a Secret is the structured field's; a Redis user, which no structured field holds,
    # stays in `spec`
    "secret and user": (
        "    redisAddress: redis:6379\n    externalStorageNamespace: ha\n"
        "    redisPassword: {valueFrom: {secretKeyRef: {name: redis, key: password}}}\n"
        "    redisUsername: {value: ray}\n",
        {
            "redisAddress": "redis:6379",
            "externalStorageNamespace": "ha",
            "redisPassword": {"secretName": "redis", "key": "password"},
        },
        {"gcsFaultToleranceOptions": {"redisUsername": {"value": "ray"}}},
    ),
    # KubeRay reads externalStorageNamespace "" as unset (pod.go, validation.go); the structured field, whose
    # texts are not empty, leaves it to `spec`
    "empty text": (
        "    redisAddress: redis:6379\n    externalStorageNamespace: ''\n",
        {"redisAddress": "redis:6379"},
        {"gcsFaultToleranceOptions": {"externalStorageNamespace": ""}},
    ),
}


@pytest.mark.parametrize("case", sorted(GCS_CASES))
def test_gcs_fault_tolerance_options_come_in_as_the_structured_field(repository: Path, case: str) -> None:
    """What the structured gcsFaultTolerance cannot say stays in `spec`; both render back to the manifest
    (import exits 0 only then)."""
    options, structured, spec = GCS_CASES[case]
    (repository / "manifest.yaml").write_text(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: ha}\nspec:\n  gcsFaultToleranceOptions:\n"
        + options
        + "  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n"
        "        containers: [{name: ray-head, image: rayproject/ray:2.41.0}]\n"
    )
    arguments = ["import", "manifest.yaml", "--env", "ha", "--kuberay-version", "1.6.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    cluster = YAML(typ="safe").load((repository / "environments" / "ha.yaml").read_text())["clusters"][0]
    assert (cluster["gcsFaultTolerance"], cluster["spec"]) == (structured, spec)


def test_a_literal_gcs_password_is_a_clean_error_not_a_crash(repository: Path) -> None:
    """A password written as text (not valueFrom), which the CRD refuses (redisPassword is a RedisCredential), is
    not carried, and says why; reading it back as the structured field once raised AttributeError."""
    (repository / "manifest.yaml").write_text(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: ha}\nspec:\n"
        "  gcsFaultToleranceOptions: {redisAddress: 'redis:6379', redisPassword: secret-text}\n"
        "  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n"
        "        containers: [{name: ray-head, image: rayproject/ray:2.41.0}]\n"
    )
    arguments = ["import", "manifest.yaml", "--env", "ha", "--kuberay-version", "1.6.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "not carried: manifest.yaml:1: RayCluster ha: the RayCluster CRD of the release refuses it: "
        "spec.gcsFaultToleranceOptions.redisPassword: expected a mapping, got text"
    )


KUBECTL_GET = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      namespace: old
      uid: 0b5c7e0e-1111-2222-3333-444455556666
      resourceVersion: "81723"
      creationTimestamp: "2026-01-01T00:00:00Z"
      managedFields: [{manager: kubectl, operation: Apply}]
      ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: parent, uid: 0b5c7e0e-1111-2222-3333-444455556668}]
      annotations:
        kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"ConfigMap"}'
        team: ml
    data: {mode: fast}
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: old, resourceVersion: "81724", uid: 0b5c7e0e-1111-2222-3333-444455556667}
    spec:
      clusterIP: 10.96.12.34
      clusterIPs: [10.96.12.34]
      ports: [{name: http, port: 80, targetPort: 8080}]
      selector: {app: web}
    status: {loadBalancer: {}}
"""


def test_what_the_api_server_wrote_is_left_out_of_an_import(repository: Path) -> None:
    """`kubectl get -o yaml` output carries what the server wrote; a create with a resourceVersion fails, and an
    allocated cluster IP may belong to another Service by then."""
    (repository / "get.yaml").write_text(KUBECTL_GET)
    arguments = ["import", "get.yaml", "--env", "got", "--kuberay-version", "1.6.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "note: get.yaml:1: ConfigMap settings: left out what the API server wrote (metadata.uid, "
        "metadata.resourceVersion, metadata.creationTimestamp, metadata.managedFields, metadata.ownerReferences, "
        "metadata.annotations[kubectl.kubernetes.io/last-applied-configuration])\n"
        "note: get.yaml:1: Service web: left out what the API server wrote (metadata.uid, metadata.resourceVersion, "
        "status, spec.clusterIP, spec.clusterIPs)\n"
    )
    written = (repository / "environments" / "got.yaml").read_text()
    for server_field in (
        "uid",
        "resourceVersion",
        "managedFields",
        "creationTimestamp",
        "last-applied",
        "10.96",
        "owner",
    ):
        assert server_field not in written
    assert "team: ml" in written


@pytest.mark.parametrize(
    ("manifest", "refusal"),
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: x\n", "ConfigMap ?: its metadata is not a mapping"),
        (
            "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  headGroupSpec:\n"
            "    rayStartParams: [a]\n    template: {spec: {containers: [{name: ray-head, image: r}]}}\n",
            "RayCluster c: the RayCluster CRD of the release refuses it: spec.headGroupSpec.rayStartParams: expected "
            "a mapping, got a list",
        ),
        (
            "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  headGroupSpec:\n"
            "    rayStartParams: {}\n    template: {spec: {containers: [x]}}\n",
            "RayCluster c: the RayCluster CRD of the release refuses it: "
            "spec.headGroupSpec.template.spec.containers[0]: expected a mapping, got text",
        ),
    ],
)
def test_a_malformed_manifest_is_not_carried_and_says_why(repository: Path, manifest: str, refusal: str) -> None:
    (repository / "manifest.yaml").write_text(manifest)
    arguments = ["import", "manifest.yaml", "--env", "bad", "--kuberay-version", "1.6.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"not carried: manifest.yaml:1: {refusal}"), result.output


def test_manifests_that_are_no_yaml_text_are_errors_with_their_place(repository: Path) -> None:
    (repository / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\ndata: {x: 1}\n")
    (repository / "binary.yaml").write_bytes(b"\xff\xfe binary")
    arguments = ["import", "broken.yaml", "binary.yaml", "--env", "x", "--kuberay-version", "1.6.0"]
    result = CliRunner().invoke(main, [*arguments, "--repo-url", REPO_URL], catch_exceptions=False)
    assert (result.exit_code, result.output) == (
        1,
        "binary.yaml:1:1: error[yaml-syntax]: the file is not UTF-8 text: invalid start byte (byte 0)\n"
        "  hint: save it as UTF-8 (a file written as UTF-16 or Latin-1 by an editor or a shell redirect is not)\n"
        "broken.yaml:4:5: error[yaml-syntax]: not valid YAML: did not find expected ',' or '}'\n"
        "  hint: fix the YAML syntax\n"
        "2 error(s)\n",
    )
    assert not (repository / "environments" / "x.yaml").exists()


def test_an_empty_job_id_is_none(repository: Path) -> None:
    """KubeRay takes `jobId: ""` for no job id (rayjob_controller.go:243 at v1.7.0), as the upstream interactive
    sample writes it; the input schema wants a job id of one character or more, so the import writes none."""
    (repository / "job.yaml").write_text(
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: interactive}\nspec:\n  submissionMode: InteractiveMode\n"
        "  jobId: ''\n  rayClusterSpec:\n    headGroupSpec:\n      rayStartParams: {}\n      template:\n        spec:\n"
        "          containers: [{name: ray-head, image: rayproject/ray:2.46.0}]\n"
    )
    arguments = ["import", "job.yaml", "--env", "inter", "--kuberay-version", "1.7.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "jobId" not in (repository / "environments" / "inter.yaml").read_text()


def test_a_string_field_that_holds_no_yaml_is_compared_as_text_not_a_crash(repository: Path) -> None:
    """runtimeEnvYAML that is no YAML passes the CRD (a string), and import compares it as text; the rules then say
    what the operator makes of it."""
    (repository / "job.yaml").write_text(
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec:\n  entrypoint: python x.py\n"
        "  runtimeEnvYAML: 'pip: [a'\n  rayClusterSpec:\n    headGroupSpec:\n      rayStartParams: {}\n"
        "      template: {spec: {containers: [{name: ray-head, image: rayproject/ray:2.46.0}]}}\n"
    )
    arguments = ["import", "job.yaml", "--env", "j", "--kuberay-version", "1.6.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "error[job-runtime-env-yaml]: jobs[0].spec.runtimeEnvYAML: the operator cannot read runtimeEnvYAML" in (
        result.output
    )


def test_a_date_in_a_serve_config_stays_text_and_a_nameless_manifest_is_not_carried(repository: Path) -> None:
    """KubeRay hands serveConfigV2 to Ray through sigs.k8s.io/yaml, which writes a timestamp back as its text; an
    object without a name has none to keep in Git."""
    (repository / "svc.yaml").write_text(
        "apiVersion: ray.io/v1\nkind: RayService\nmetadata: {name: s}\nspec:\n  serveConfigV2: |\n"
        "    applications:\n      - name: app\n        import_path: app:app\n"
        "        runtime_env: {env_vars: {RELEASE: 2024-01-02}}\n  rayClusterConfig:\n    headGroupSpec:\n"
        "      rayStartParams: {}\n      template: {spec: {containers: [{name: ray-head, image: rayproject/ray:2.46.0, "
        "ports: [{name: serve, containerPort: 8000}]}]}}\n---\napiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n"
    )
    arguments = ["import", "svc.yaml", "--env", "s", "--kuberay-version", "1.6.0", "--repo-url", REPO_URL]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "not carried: svc.yaml:14: ConfigMap ?: it has no name (nor generateName): GitOps needs a stable one\n"
    )
    assert "RELEASE: '2024-01-02'" in (repository / "environments" / "s.yaml").read_text()
