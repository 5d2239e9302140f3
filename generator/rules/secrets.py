"""Plaintext secrets: whatever an environment file holds ends up in Git twice, in the file and in rendered/.

Every text value of the environment is looked at, by the name it is stored under (`password`, `token`,
`api_key`, an env var `DB_PASSWORD`, rayStartParams `redis-password`) and by its own shape (the token
formats of well-known services, PEM private keys, URLs with a password, long random-looking strings); the
files ConfigMaps carry also line by line, for settings under such names (`password: hunter2` in an app's config).
Credentials belong in Secrets, referenced by name (`valueFrom.secretKeyRef`, `gcsFaultTolerance.redisPassword`).
A value that only looks like a secret is waived by its path in the environment's `lint.notSecrets`.
"""

from __future__ import annotations

import base64
import functools
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from generator.checks import LINT
from generator.errors import DocPath, Problem, format_path
from generator.rules.context import RuleContext
from generator.rules.objects import plaintext_keys
from generator.rules.rule import rule

# Value shapes, each a well-known credential format (public documentation of each service).
TOKEN_SHAPES = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an OpenAI-style API key", re.compile(r"\bsk-(proj-)?[A-Za-z0-9_-]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a private key", re.compile(r"-----BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("a password in a URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@")),
    ("an Azure storage key", re.compile(r"AccountKey=[A-Za-z0-9+/=]{20,}")),
    ("a Google service account key", re.compile(r'"private_key(_id)?"\s*:\s*"[^"]{16,}')),
    ("a bearer token", re.compile(r"\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{16,}")),
    (
        "a password on a command line",
        re.compile(r"--?[A-Za-z0-9-]*(password|passwd|token|secret|api-key)[= ]+(?![-$<])[^\s;&|]+", re.I),
    ),
)
# The last words of a name under which a value is a credential: keys, env var names, rayStartParams.
SECRET_WORDS = frozenset({"password", "passwd", "pwd", "pass", "secret", "token", "credential", "credentials"})
SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("auth", "key"), ("secret", "key")})
# a command-line flag whose next argument is the credential: ["--password", "hunter2"]
SECRET_FLAG = re.compile(r"^--?[A-Za-z0-9-]*(password|passwd|token|secret|api-key)$", re.I)
# A placeholder for a credential filled in where it runs: a shell's $NAME or ${NAME} (`ray start` runs in a shell:
# KubeRay's own samples write `redis-password: $REDIS_PASSWORD`), Kubernetes' $(NAME), a <placeholder>.
PLACEHOLDER = re.compile(r"^(\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]*\}|\$\([^)]*\)|<[^>]*>|)$")
# A reference to where a credential is, not the credential: a file path or a URL without a password.
REFERENCE_VALUE = re.compile(r"^(/|\./|~/|[a-z][a-z0-9+.-]*://[^@\s]*$)")
# Long random-looking strings: a token alphabet (no `/`: paths and resource names are not tokens), many bits a
# character, upper and lower case and digits.
RANDOM_LOOKING = re.compile(r"^[A-Za-z0-9+=_-]{32,}$")
MIN_ENTROPY_BITS = 4.2
NOT_SECRETS = ("lint", "notSecrets")
OBJECT_SCHEMAS = ("objectSchemas",)  # file names by apiVersion/kind
# Where `objects` hold ciphertext by design: a SealedSecret's encryptedData (bitnami-labs/sealed-secrets), the
# metadata SOPS adds to a file it encrypted (its values are `ENC[...]`, see SOPS_VALUE)
ENCRYPTED_KEYS = frozenset({"encryptedData", "sops"})
SOPS_VALUE = re.compile(r"^ENC\[[A-Z0-9_]+,data:")
HINT = (
    "keep credentials in a Secret and reference it (env valueFrom.secretKeyRef, gcsFaultTolerance.redisPassword); "
    "if this is not a secret, add its path to lint.notSecrets"
)


@rule(
    "plaintext-secret",
    "no credential in the environment file, where it would be committed to Git and copied into rendered/: "
    "values stored under a secret-like name (password, token, api_key, an env var DB_PASSWORD, redis-password), "
    "well-known token formats (AWS, GitHub, Hugging Face, Slack, OpenAI, Google), PEM private keys, URLs with a "
    "password, long random-looking strings; in the files ConfigMaps carry, settings under such names by line "
    '(`password: x`, `api_key = "x"`, `DB_PASSWORD=x`). One value is waived by its path in `lint.notSecrets`',
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1', env: [{name: HF_TOKEN, value: "
    "hf_abcdefghijklmnopqrstuvwxyz0123456789}]}}]",
    passes="clusters: [{name: c, head: {cpu: '1', env: [{name: HF_TOKEN, valueFrom: {secretKeyRef: {name: hf, key: "
    "token}}}]}}]",
    cases=("plaintext-secrets",),
)
def plaintext_secrets(context: RuleContext) -> Iterator[Problem]:
    waived = set(context.data.get("lint", {}).get("notSecrets", []))
    # a Secret of `objects` with values in plain text is object-secret's to report, whole
    reported = [
        ("objects", index, key)
        for index, item in enumerate(context.data.get("objects", []))
        for key in plaintext_keys(item)
    ]
    for path, what in [*_secrets(context.data, ()), *_config_file_secrets(context.data)]:
        if path[:3] in reported:
            continue
        if format_path(path) not in waived:
            yield context.problem(
                path, f"looks like a plaintext secret ({what}), which would be committed to Git", HINT
            )


def _secrets(value: Any, path: DocPath, found: list[tuple[DocPath, str]] | None = None) -> list[tuple[DocPath, str]]:
    """Each value that looks like a credential, with what it looks like, in the order of the data (gathered in
    one list: a generator per value made the walk a tenth of the rules' time)."""
    found = [] if found is None else found
    if path[:2] == NOT_SECRETS or path[:1] == OBJECT_SCHEMAS or (path and path[-1] in ENCRYPTED_KEYS):
        return found
    if isinstance(value, dict):
        _mapping_secrets(value, path, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            previous = value[index - 1] if index else None
            if isinstance(previous, str) and SECRET_FLAG.match(previous) and _named_secret(item):
                found.append(((*path, index), f"the argument of {previous}"))
            else:
                _secrets(item, (*path, index), found)
    elif isinstance(value, str):
        what = _shape(value)
        if what is not None:
            found.append((path, what))
    return found


def _mapping_secrets(mapping: dict[str, Any], path: DocPath, found: list[tuple[DocPath, str]]) -> None:
    # an env var or similar {name: X, value: Y}: the name says what the value is
    name = mapping.get("name")
    if isinstance(name, str) and _secret_name(name) and _named_secret(mapping.get("value")):
        found.append(((*path, "value"), f"the value of {name}"))
    for key, child in mapping.items():
        if _secret_name(key) and _named_secret(child):
            found.append(((*path, key), f"a value stored under {key}"))
        else:
            _secrets(child, (*path, key), found)


# A line of a configuration file that a ConfigMap carries, which sets a value under a name: `name: value` (YAML,
# properties, JSON with quotes), `name = "value"` (TOML, INI, Python) and `NAME=value` (.env, shell). A value
# without quotes after ` = ` is left alone: in a script it is code (`password = read_secret()`, a variable).
_SETTING = re.compile(
    r"""^\s*(?:-\s+|export\s+)?["']?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?"""
    r"""(?:\s*:\s*|\s*=\s*(?=["'])|=(?!\s))"""
    r"""(?:"(?P<double>[^"\\]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'#,{}\[\]()]+))\s*,?\s*(?:#.*)?$"""
)


def _config_file_secrets(data: dict[str, Any]) -> list[tuple[DocPath, str]]:
    """Credentials set by name inside the files that ConfigMaps carry (`configMaps[].data`, a ConfigMap of
    `objects`), by line: `password: hunter2` in an application's config file is as plain in Git as anywhere."""
    files: list[tuple[DocPath, Any]] = [
        (("configMaps", index, "data"), item.get("data")) for index, item in enumerate(data.get("configMaps", []))
    ]
    files += [
        (("objects", index, "data"), item.get("data"))
        for index, item in enumerate(data.get("objects", []))
        if item.get("kind") == "ConfigMap" and item.get("apiVersion") == "v1"
    ]
    found: list[tuple[DocPath, str]] = []
    for at, contents in files:
        for key, text in contents.items() if isinstance(contents, dict) else ():
            if not isinstance(text, str) or "\n" not in text.strip():
                continue  # a one-line value is read under its own key (_mapping_secrets)
            for number, line in enumerate(text.split("\n"), start=1):
                setting = _SETTING.match(line)
                if setting is None or not _secret_name(setting["name"]):
                    continue
                value = next(
                    part for part in (setting["double"], setting["single"], setting["bare"]) if part is not None
                )
                if _named_secret(value):
                    found.append(((*at, key), f"{setting['name']} on line {number} of the file"))
    return found


@functools.lru_cache(maxsize=1 << 14)  # every environment repeats the same keys and env var names
def _secret_name(name: str) -> bool:
    """A name whose last word says credential: DB_PASSWORD, hf-token, apiKey; not TOKEN_ENDPOINT, tokenizer,
    MAX_NUM_BATCHED_TOKENS or a name of a reference (passwordSecretName, tokenFile)."""
    words = [word.lower() for word in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]
    if not words:
        return False
    last = words[-1]
    # PGPASSWORD, MYSQLTOKEN: run-together names end with the word
    run_together = last.endswith(("password", "passwd", "secret", "token"))
    return last in SECRET_WORDS or run_together or tuple(words[-2:]) in SECRET_PAIRS


def _named_secret(value: Any) -> bool:
    """A value under a secret-like name that is itself a credential, not a reference or a placeholder. One with
    a recognisable shape is reported for its shape instead."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    if PLACEHOLDER.match(text) or REFERENCE_VALUE.match(text) or SOPS_VALUE.match(text):
        return False
    return _shape(text) is None


@functools.lru_cache(maxsize=1 << 14)
def _shape(value: str) -> str | None:
    """What kind of credential `value` looks like by its form alone, or None."""
    if SOPS_VALUE.match(value):
        return None
    for what, pattern in TOKEN_SHAPES:
        if pattern.search(value):
            return what
    if RANDOM_LOOKING.match(value) and _random(value):
        decoded = _base64_text(value)
        if decoded is None:
            return "a long random-looking string"
        inner = _shape(decoded)  # base64 of text: a certificate is not a secret, a private key is
        return f"{inner}, base64-encoded" if inner is not None else None
    return None


def _base64_text(value: str) -> str | None:
    """The text `value` encodes in base64, or None when it is not base64 of text."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if decoded.isprintable() or "\n" in decoded else None


def _random(value: str) -> bool:
    if re.fullmatch(r"[0-9a-f]+", value):
        return False  # hex digests and commit hashes pin things; they are not credentials
    classes = sum(bool(re.search(pattern, value)) for pattern in ("[a-z]", "[A-Z]", "[0-9]"))
    counts = Counter(value)
    entropy = -sum(count / len(value) * math.log2(count / len(value)) for count in counts.values())
    return classes >= 3 and entropy >= MIN_ENTROPY_BITS
