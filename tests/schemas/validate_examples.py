#!/usr/bin/python3
"""Validates wharf's YAML files against the JSON Schemas in schemas/.

Usage: /usr/bin/python3 tests/schemas/validate_examples.py [DIR...]

Walks examples/ (next to this repository's schemas/) and every DIR given, and
validates each file by its name:

  wharf.yaml          -> schemas/manifest.schema.json
  wharf.lock          -> schemas/lockfile.schema.json
  wharf-package.yaml  -> schemas/package.schema.json
  registry.yaml       -> schemas/registry.schema.json
  index/*.yaml        -> schemas/registry-index.schema.json
  golden/<cmd>*.json  -> schemas/output-<cmd>.schema.json (--json outputs;
                         <cmd> is lock, sync, tree, why, outdated or error)

Without DIR it walks examples/ and tests/golden/.

Before that it checks the schemas themselves and runs self-tests: small valid
and invalid documents written to a temporary folder, each of which must be
accepted or rejected as expected (so a schema that accepts everything fails).
Exits 1 on any failure, printing `file: path.in.document: message`.

Needs Debian's python3-yaml and python3-jsonschema (>= 4, draft 2020-12):
run it with /usr/bin/python3.
"""

import json
import os
import sys
import tempfile

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_DIR = os.path.join(ROOT, "schemas")
SCHEMAS = {
    "manifest": "manifest.schema.json",
    "lockfile": "lockfile.schema.json",
    "package": "package.schema.json",
    "registry": "registry.schema.json",
    "registry-index": "registry-index.schema.json",
    "output-lock": "output-lock.schema.json",
    "output-sync": "output-sync.schema.json",
    "output-tree": "output-tree.schema.json",
    "output-why": "output-why.schema.json",
    "output-outdated": "output-outdated.schema.json",
    "output-error": "output-error.schema.json",
}
# `--json` outputs kept as golden files: tests/golden/<command>[-more].json,
# e.g. tree-invert.json -> output-tree, error-why.json -> output-error.
OUTPUT_PREFIXES = ("lock", "sync", "tree", "why", "outdated", "error")


class WharfLoader(yaml.SafeLoader):
    """YAML as wharf reads it: no timestamps, and every mapping key a string."""


WharfLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    out = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = key_node.value  # as written: `1.0:` stays "1.0"
        out[key] = loader.construct_object(value_node, deep=True)
    return out


WharfLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def kind_of(path):
    name = os.path.basename(path)
    if name == "wharf.yaml":
        return "manifest"
    if name == "wharf.lock":
        return "lockfile"
    if name == "wharf-package.yaml":
        return "package"
    if name == "registry.yaml":
        return "registry"
    if name.endswith(".yaml") and os.path.basename(os.path.dirname(path)) == "index":
        return "registry-index"
    if name.endswith(".json") and os.path.basename(os.path.dirname(path)) == "golden":
        prefix = name[: -len(".json")].split("-")[0]
        if prefix in OUTPUT_PREFIXES:
            return "output-" + prefix
    return None


def load_validators():
    validators = {}
    for kind, file in SCHEMAS.items():
        with open(os.path.join(SCHEMA_DIR, file), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[kind] = jsonschema.Draft202012Validator(schema)
    return validators


def describe(error):
    """The message of an error; for anyOf/oneOf, the problems of the alternatives
    that were of the right type (rather than just "not valid under any")."""
    if not error.context:
        return error.message
    leaves = []

    def collect(e):
        if e.context:
            for sub in e.context:
                collect(sub)
        else:
            leaves.append(e)

    collect(error)
    relevant = [e for e in leaves if e.validator != "type"] or leaves
    messages = []
    for e in relevant:
        if e.message not in messages:
            messages.append(e.message)
    return "; ".join(messages)


def validate_file(validators, path, kind=None):
    """Returns a list of error lines (empty when valid)."""
    kind = kind or kind_of(path)
    try:
        with open(path, encoding="utf-8") as f:
            if path.endswith(".json"):
                document = json.load(f)
            else:
                document = yaml.load(f, Loader=WharfLoader)
    except (OSError, yaml.YAMLError, json.JSONDecodeError) as e:
        return [f"{path}: cannot read: {e}"]
    if document is None:
        document = {}
    errors = []
    for error in sorted(validators[kind].iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in error.absolute_path) or "(top)"
        errors.append(f"{path}: {where}: {describe(error)}")
    return errors


def walk(validators, directory):
    checked, errors = 0, []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", ".wharf"))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if kind_of(path):
                checked += 1
                errors.extend(validate_file(validators, path))
    return checked, errors


SHA = "0" * 63 + "a"
COMMIT = "0123456789abcdef0123456789abcdef01234567"

# (kind, text, valid?) — each one a rule the schemas must enforce.
SELF_TESTS = [
    ("manifest", """
name: demo
version: 0.1.0
registries:
  - name: main
    url: file:./registry
platforms: [linux-x86_64, macos-arm64]
dependencies:
  hello: "^1.2"
  zlib: { version: ">=1.3", registry: main }
  mylib: { git: "https://example.org/mylib.git", tag: v1.4.0 }
  dataset: { url: "https://example.org/data-1.0.tar.gz", sha256: "%s" }
  tool: { path: ../tool }
  loose: 1.0
environments:
  dev:
    dependencies:
      debugger: "*"
env:
  GREETING: hello from ${WHARF_PREFIX}
overrides: { zlib: "=1.3.1" }
constraints: { openssl: "<4" }
clash: { bin/hello: hello }
""" % SHA, True),
    ("manifest", "version: 1.0.0\n", False),  # no name
    ("manifest", "name: demo\ndependencis: {}\n", False),  # unknown key
    ("manifest", "name: demo\ndependencies:\n  Hello: '*'\n", False),  # bad package name
    ("manifest", "name: demo\ndependencies:\n  a: { git: x, branch: b, tag: t }\n", False),
    ("manifest", "name: demo\ndependencies:\n  a: { url: x }\n", False),  # no sha256
    ("manifest", "name: demo\ndependencies:\n  a: { url: x, sha256: ABC }\n", False),
    ("manifest", "name: demo\ndependencies:\n  a: { path: x, git: y }\n", False),
    ("manifest", "name: demo\ndependencies:\n  a: { tag: v1 }\n", False),  # tag without git
    ("manifest", "name: demo\ndependencies:\n  a: { git: x, registry: main }\n", False),
    ("manifest", "name: demo\nplatforms: [linux-x64]\n", False),
    ("manifest", "name: demo\nversion: v1.2\n", False),
    ("manifest", "name: demo\nregistries:\n  - name: main\n    url: ./registry\n", False),
    ("manifest", "name: demo\nenvironments:\n  default: {}\n", False),
    ("manifest", "name: demo\nenvironments:\n  dev:\n    dependecies: {}\n", False),
    ("manifest", "name: demo\ndependencies:\n  - hello\n", False),
    ("package", "name: hello\nversion: 1.2.0\nplatform: linux-x86_64\ndependencies:\n  libgreet: '^2'\n", True),
    ("package", "name: data\nversion: '2.0'\n", True),
    ("package", "name: hello\n", False),
    ("package", "name: hello\nversion: 1.0.0\nplatform: linux\n", False),
    ("package", "name: hello\nversion: 1.0.0\ndescription: x\n", False),
    ("registry", "format: 1\nname: main\n", True),
    ("registry", "format: 2\nname: main\n", False),
    ("registry", "name: main\n", False),
    ("registry-index", """
name: hello
versions:
  - version: 1.2.0
    dependencies:
      libgreet: "^2"
    artifacts:
      - platform: linux-x86_64
        url: ../artifacts/hello-1.2.0-linux-x86_64.tar.gz
        sha256: "%s"
        size: 10240
    yanked: false
  - version: "1.3"
""" % SHA, True),
    ("registry-index", "name: hello\nversions:\n  - version: 1.0.0\n    yankd: true\n", False),
    ("registry-index", "name: hello\nversions:\n  - version: 1.0.0\n    artifacts:\n      - platform: any\n        url: x\n", False),
    ("registry-index", "name: hello\nversions:\n  - version: 1.0.0\n    artifacts:\n      - {platform: any, url: x, sha256: '%s', size: -1}\n" % SHA, False),
    ("registry-index", "name: hello\n", False),
    ("lockfile", """# This file is generated by wharf. Do not edit.
format: 1
inputs:
  hash: "%s"
  dependencies: "%s"
platforms: [linux-x86_64]
environments:
  default:
    linux-x86_64: [hello, mylib]

packages:
  - name: hello
    version: "1.2.0"
    source:
      registry: file:./registry
    platforms:
      linux-x86_64:
        url: artifacts/hello-1.2.0.tar.gz
        sha256: "%s"
        size: 10
        dependencies: []

  - name: mylib
    version: "1.4.0"
    source:
      git: https://example.org/mylib.git
      commit: "%s"
      reference: tag=v1.4.0
    platforms:
      linux-x86_64:
        dependencies: [hello]
""" % (SHA, SHA, SHA, COMMIT), True),
    ("lockfile", "format: 2\ninputs: { hash: '' }\n", False),
    ("lockfile", "format: 1\ninputs: { hash: '' }\npackages:\n  - { name: a, version: '1', source: { git: x } }\n", False),
    ("lockfile", "format: 1\ninputs: { hash: '' }\npackages:\n  - { name: a, version: '1', source: { registry: 'https://u:p@host/r' } }\n", False),
    ("lockfile", "format: 1\ninputs: { hash: '' }\npackages:\n  - name: a\n    version: '1'\n    source: { path: p }\n    platforms:\n      linux-x86_64: { url: u }\n", False),
    ("lockfile", "format: 1\ninputs: { hash: '' }\nextra: 1\n", False),
]

CHANGE = '{"kind": "added", "name": "zlib", "old": null, "new": "1.3.1", "reason": "new dependency of demo"}'
STEP = '{"verb": "Resolved", "detail": "2 packages in 1 ms"}'
NODE = ('{"name": "%s", "version": %s, "project": %s, "repeated": false, "truncated": false, '
        '"dependencies": [%s]}')
LEAF = NODE % ("base", '"1.0.0"', "false", "")
TREE = ('{"project": "demo", "environment": "default", "platform": "linux-x86_64", "invert": null, '
        '"depth": null, "tree": %s, "warnings": []}')
WHY = ('{"project": "demo", "environment": "default", "platform": "linux-x86_64", "package": "base", '
       '"version": "1.0.0", "paths": [%s], "truncated": false, "warnings": []}')
PATH = ('[{"name": "demo", "version": null, "constraint": null}, '
        '{"name": "base", "version": "1.0.0", "constraint": "^1"}]')
OUTDATED = ('{"project": "demo", "platform": "linux-x86_64", "packages": [{"name": "core", "locked": "1.1.0", '
            '"allowed": %s, "latest": "2.0.0", "direct": false, "outdated": true}], "up_to_date": false, '
            '"warnings": []}')
SELF_TESTS += [
    ("output-lock", '{"lock_changed": true, "resolved": true, "dry_run": false, "package_count": 1, '
     '"changes": [%s], "steps": [%s], "warnings": []}' % (CHANGE, STEP), True),
    ("output-lock", '{"lock_changed": true, "resolved": true, "dry_run": false, "package_count": 1, '
     '"changes": [{"kind": "added", "name": "zlib", "old": "1.0", "new": "1.3.1", "reason": null}], '
     '"steps": [], "warnings": []}', False),  # an added package has no old version
    ("output-lock", '{"lock_changed": true, "changes": [], "steps": [], "warnings": []}', False),
    ("output-sync", '{"lock_changed": false, "environment_changed": true, "changes": [], "steps": [%s], '
     '"warnings": ["w"]}' % STEP, True),
    ("output-sync", '{"lock_changed": false, "environment_changed": true, "changes": [], "steps": [{"verb": "x"}], '
     '"warnings": []}', False),
    ("output-tree", TREE % (NODE % ("demo", "null", "true", LEAF)), True),
    ("output-tree", TREE % (NODE % ("demo", "null", "true", LEAF)).replace('"repeated": false', '"repeated": true', 1),
     False),  # a repeated node lists no dependencies
    ("output-tree", TREE % '{"name": "demo"}', False),
    ("output-why", WHY % PATH, True),
    ("output-why", WHY % "", False),  # at least one path
    ("output-why", WHY % '[{"name": "demo", "version": null, "constraint": null}]', False),
    ("output-outdated", OUTDATED % '"1.2.0"', True),
    ("output-outdated", OUTDATED % "null", True),
    ("output-outdated", OUTDATED % "1", False),
    ("output-error", '{"error": {"message": "m", "hint": null, "details": {"tree": []}}, "changes": [], '
     '"steps": [], "warnings": []}', True),
    ("output-error", '{"error": {"message": "m"}}', False),
    ("output-error", '{"error": {"message": "m", "hint": null, "details": null}, "extra": 1}', False),
]

FILE_NAMES = {
    "manifest": "wharf.yaml",
    "lockfile": "wharf.lock",
    "package": "wharf-package.yaml",
    "registry": "registry.yaml",
    "registry-index": os.path.join("index", "hello.yaml"),
    "output-lock": os.path.join("golden", "lock-dry-run.json"),
    "output-sync": os.path.join("golden", "sync.json"),
    "output-tree": os.path.join("golden", "tree-invert.json"),
    "output-why": os.path.join("golden", "why.json"),
    "output-outdated": os.path.join("golden", "outdated.json"),
    "output-error": os.path.join("golden", "error-why.json"),
}


def self_test(validators):
    failures = []
    with tempfile.TemporaryDirectory(prefix="wharf-schema-") as tmp:
        for number, (kind, text, valid) in enumerate(SELF_TESTS):
            path = os.path.join(tmp, str(number), FILE_NAMES[kind])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            if kind_of(path) != kind:
                failures.append(f"self-test {number}: {path} is not recognised as {kind}")
                continue
            errors = validate_file(validators, path)
            if valid and errors:
                failures.append(f"self-test {number} ({kind}) should be valid:\n  " + "\n  ".join(errors))
            if not valid and not errors:
                failures.append(f"self-test {number} ({kind}) should be rejected:\n{text}")
        # The walker finds files by name, in nested folders.
        checked, errors = walk(validators, tmp)
        expected_invalid = sum(1 for _, _, valid in SELF_TESTS if not valid)
        if checked != len(SELF_TESTS):
            failures.append(f"walk found {checked} files, expected {len(SELF_TESTS)}")
        invalid_files = {line.split(": ", 1)[0] for line in errors}
        if len(invalid_files) != expected_invalid:
            failures.append(f"walk reported {len(invalid_files)} invalid files, expected {expected_invalid}")
    return failures


def main(argv):
    validators = load_validators()
    failures = self_test(validators)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"self-tests: {len(SELF_TESTS) - len(failures)}/{len(SELF_TESTS)} ok" if not failures
          else f"self-tests: {len(failures)} failure(s)")

    dirs = argv[1:] or [os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "golden")]
    total, errors = 0, []
    for directory in dirs:
        if not os.path.isdir(directory):
            if len(argv) == 1:
                continue  # no examples (or goldens) yet
            errors.append(f"{directory}: not a folder")
            continue
        checked, found = walk(validators, directory)
        total += checked
        errors.extend(found)
    for error in errors:
        print(error, file=sys.stderr)
    print(f"validated {total} file(s), {len(errors)} error(s)")
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
