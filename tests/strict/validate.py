#!/usr/bin/env python3
"""Strict OpenAPI 3.0.3 validation of the spec's examples, the JSON fixtures and recorded traffic.

A third-party validator (`openapi-schema-validator`, pinned in requirements.txt) checks instances
against the spec's schemas with OpenAPI 3.0.3 semantics: `nullable` applies only within the schema
object that carries it (beside a `type`), and formats (uuid, date, date-time per RFC 3339, email,
int32/int64, ...) are checked. `$ref`s are resolved inside the spec through a `referencing` registry.

    python tests/strict/validate.py --spec openapi/adapty-server-side-api-v1.yaml [--traffic DIR]

Checks, always: (1) every example in the spec (media types, parameters, headers, schemas) against
the schema it belongs to; (2) every JSON fixture under tests/fixtures/docs and tests/fixtures/corpus
against the schema it is an instance of (FIXTURES below; a fixture missing from the manifest is a
failure). With --traffic: (3) every response recorded by the emulator (ADAPTY_EMULATOR_TRAFFIC,
`*.jsonl` in DIR) against the operation's declared responses.

Prints one line per failure, then one summary line starting with `strict:`. Exits 1 on any failure,
or when --traffic is given and no response could be validated.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30Validator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

# ----------------------------------------------------------------------------------- the manifest
# Every `*.json` file under tests/fixtures/docs and tests/fixtures/corpus is named here, either with
# the schema it is an instance of and the direction it travels in ("write": a request body, checked
# with the write validator; "read": a response body, checked with the read validator), or in SKIPPED
# with the reason it is not validated. A fixture named in neither is a failure, so a new fixture
# cannot go unchecked.
FIXTURES: dict[str, tuple[str, str]] = {
    # The documented examples (tests/fixtures/docs/README.md, tests/tests/documented_examples.rs).
    "docs/create-profile-request.json": ("ProfileRequest", "write"),
    "docs/profile-response.json": ("ProfileResponse", "read"),
    "docs/error-400.json": ("ErrorResponse", "read"),
    "docs/error-401.json": ("ErrorResponse", "read"),
    "docs/error-404.json": ("ErrorResponse", "read"),
    # The decoding corpus (tests/fixtures/corpus/README.md, tests/tests/decoding.rs): each one is a
    # whole 200 body that the client reads through get_profile.
    "corpus/datetime-forms.json": ("ProfileResponse", "read"),
    "corpus/empty-ids.json": ("ProfileResponse", "read"),
    "corpus/integer-floats.json": ("ProfileResponse", "read"),
    "corpus/null-arrays.json": ("ProfileResponse", "read"),
    "corpus/unknown-fields.json": ("ProfileResponse", "read"),
}
SKIPPED: dict[str, str] = {
    "docs/documented-fields.json": (
        "not an instance of a spec schema: the field names of the documentation's tables, per "
        "schema (tests/tests/documented_examples.rs checks them against the spec)"
    ),
    "corpus/unknown-enum-values.json": (
        "tolerance fixture, not validated: it holds enum values the spec does not list "
        "(environment Staging/Xcode/Preview, cancellation reasons, offer categories and types) on "
        "purpose, to prove the client's open enums keep them"
    ),
}
FIXTURE_DIRS = ("docs", "corpus")

# The fixtures of each spec, by the spec's file name: (FIXTURES, SKIPPED, the folders they live in).
# The v2 documented examples are the spec's own examples (checked above as examples, and against
# Adapty's pinned file by tests/tests/v2_examples.rs); v2 fixtures are the decoding corpus under
# tests/fixtures/v2.
V2_FIXTURES: dict[str, tuple[str, str]] = {
    # The v2 decoding corpus (tests/tests/decoding_v2.rs): bodies the client reads.
    "v2/profile-forms.json": ("ProfileResponse", "read"),
}
V2_SKIPPED: dict[str, str] = {
    "v2/paywall-unknown-values.json": (
        "tolerance fixture, not validated: a paywall state and a product set the spec does not "
        "list, and unknown fields, on purpose, to prove the client keeps or ignores them"
    ),
    "v2/vc-history-unknown-values.json": (
        "tolerance fixture, not validated: a transaction type the spec does not list and unknown "
        "fields, on purpose"
    ),
    "v2/integration-identifiers-partial.json": (
        "tolerance fixture, not validated: an answer that leaves out identifiers the spec requires "
        "(and adds one), on purpose, to prove the client still reads it"
    ),
}
MANIFESTS: dict[str, tuple[dict[str, tuple[str, str]], dict[str, str], tuple[str, ...]]] = {
    "adapty-server-side-api-v1.yaml": (FIXTURES, SKIPPED, FIXTURE_DIRS),
    "adapty-server-side-api-v2.yaml": (V2_FIXTURES, V2_SKIPPED, ("v2",)),
}

# Lines printed per distinct failure (same item kind, operation, JSON path and message); the rest
# are counted (every one is a failure) and summed up in one line.
MAX_REPEATS = 10

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json$")
# Formats the spec uses that must really be checked: each needs its checker present (date-time
# needs rfc3339-validator installed), else the run stops instead of passing silently.
REQUIRED_FORMATS = ("uuid", "date", "date-time", "email", "int32", "int64", "double")


class StrictLoader(yaml.SafeLoader):
    """YAML as a JSON document: what a YAML 1.1 reader makes of a plain scalar that YAML 1.2 and
    JSON read differently (yes/no/on/off booleans, timestamps) is kept as the string and reported.
    """

    problems: list[tuple[str, str]]


def _bool(loader: StrictLoader, node: yaml.Node) -> Any:
    if node.value.lower() in ("true", "false"):
        return loader.construct_yaml_bool(node)
    loader.problems.append((
        f"line {node.start_mark.line + 1}",
        f"the plain scalar {node.value!r} is a boolean in YAML 1.1 and a string in YAML 1.2/JSON: quote it",
    ))
    return node.value


def _timestamp(loader: StrictLoader, node: yaml.Node) -> Any:
    loader.problems.append((
        f"line {node.start_mark.line + 1}",
        f"the plain scalar {node.value!r} is a timestamp in YAML 1.1, a string in JSON: quote it",
    ))
    return node.value


StrictLoader.add_constructor("tag:yaml.org,2002:bool", _bool)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def json_keys(node: Any, pointer: str, problems: list[tuple[str, str]]) -> Any:
    """`node` with every mapping key a string; a key that is not one is reported (JSON has only
    string keys; OpenAPI 3.0.3 requires quoted status codes) and turned into its JSON spelling."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                spelled = json.dumps(key) if isinstance(key, (bool, int, float)) or key is None else str(key)
                problems.append((
                    f"{pointer}/{escape(spelled)}",
                    f"the key {spelled} is read as a {type(key).__name__}, not a string"
                    + (" (YAML reads a plain null/Null/NULL/~ as null)" if key is None else "")
                    + ": quote it",
                ))
                key = spelled
            out[key] = json_keys(value, f"{pointer}/{escape(key)}", problems)
        return out
    if isinstance(node, list):
        return [json_keys(v, f"{pointer}/{i}", problems) for i, v in enumerate(node)]
    return node


def escape(token: str) -> str:
    """One JSON Pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Spec:
    """The spec, its registry, and a validator per (schema location, direction)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[tuple[str, str]] = []
        with path.open(encoding="utf-8") as f:
            loader = StrictLoader(f)
            loader.problems = self.problems
            try:
                doc = loader.get_single_data()
            finally:
                loader.dispose()
        self.doc = json_keys(doc, "", self.problems)
        if not isinstance(self.doc, dict):
            raise SystemExit(f"error: {path}: not a YAML mapping")
        version = str(self.doc.get("openapi", ""))
        if not version.startswith("3.0."):
            raise SystemExit(f"error: {path}: openapi {version!r}, this script checks OpenAPI 3.0.x")
        self.uri = path.resolve().as_uri()
        self.registry = Registry().with_resource(
            self.uri, Resource(contents=self.doc, specification=DRAFT4)
        )
        missing = [f for f in REQUIRED_FORMATS if f not in oas30_format_checker.checkers]
        if missing:
            raise SystemExit(
                "error: the OAS 3.0 format checker cannot check "
                + ", ".join(missing)
                + " (install tests/strict/requirements.txt)"
            )
        self._validators: dict[tuple[str, str], Any] = {}

    def at(self, pointer: str) -> Any:
        node = self.doc
        for token in pointer.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follows local `$ref`s of a non-schema object (parameter, example, response, ...)."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise Unresolvable(ref)
            seen.add(ref)
            pointer = ref[1:]
            node = self.at(pointer)
        return node, pointer

    def validator(self, schema_pointer: str, direction: str) -> Any:
        key = (schema_pointer, direction)
        if key not in self._validators:
            cls = {"read": OAS30ReadValidator, "write": OAS30WriteValidator}.get(
                direction, OAS30Validator
            )
            self._validators[key] = cls(
                {"$ref": f"{self.uri}#{schema_pointer}"},
                registry=self.registry,
                format_checker=oas30_format_checker,
            )
        return self._validators[key]

    def keyword_at(self, schema_pointer: str, path: Any) -> str:
        """Where in the spec the failing keyword stands: `path` (an error's absolute schema path,
        in which jsonschema leaves out the `$ref`s it followed) walked from `schema_pointer`."""
        pointer = schema_pointer
        try:
            node = self.at(pointer)
            for token in path:
                seen = 0
                while isinstance(node, dict) and token not in node and "$ref" in node and seen < 64:
                    ref = node["$ref"]
                    if not (isinstance(ref, str) and ref.startswith("#")):
                        return "?"
                    pointer = ref[1:]
                    node = self.at(pointer)
                    seen += 1
                node = node[token]
                pointer += f"/{escape(str(token))}"
        except (KeyError, IndexError, TypeError, ValueError):
            return "?"
        return f"#{pointer}"

    def errors(self, instance: Any, schema_pointer: str, direction: str) -> list[tuple[str, str]]:
        """(JSON path, message) of every error, in document order; [] when the instance is valid."""
        try:
            found = list(self.validator(schema_pointer, direction).iter_errors(instance))
        except Unresolvable as e:
            inner = getattr(e, "_wrapped", e)  # jsonschema wraps referencing's error
            return [("$", f"the schema at {schema_pointer} has an unresolvable $ref "
                          f"({type(inner).__name__}: {getattr(inner, 'ref', inner)!r})")]
        found.sort(key=lambda e: (list(map(str, e.absolute_path)), list(map(str, e.schema_path))))
        # The OAS `type` keyword reports a null twice ("None for not nullable", then "None is not
        # of type 'x'"): one line says it.
        not_nullable = {
            (e.json_path, tuple(e.absolute_schema_path))
            for e in found
            if e.validator == "type" and e.message == "None for not nullable"
        }
        out = []
        for e in found:
            key = (e.json_path, tuple(e.absolute_schema_path))
            if e.validator == "type" and e.instance is None and key in not_nullable:
                if e.message != "None for not nullable":
                    continue
                out.append((
                    e.json_path,
                    f"[type] None is not allowed: the schema object says type "
                    f"{e.validator_value!r} without nullable: true"
                    f" (schema {self.keyword_at(schema_pointer, e.absolute_schema_path)})",
                ))
                continue
            out.append((
                e.json_path,
                f"{describe(e)} (schema {self.keyword_at(schema_pointer, e.absolute_schema_path)})",
            ))
        return out


def describe(error: ValidationError) -> str:
    message = f"[{error.validator}] {short(error.message)}"
    # oneOf/anyOf: say why each branch failed.
    if error.context:
        branches: dict[int, list[str]] = {}
        for sub in error.context:
            index = sub.schema_path[0] if sub.schema_path else "?"
            where = sub.json_path if sub.relative_path else ""
            branches.setdefault(index, []).append(short(f"{where} {sub.message}".strip(), 160))
        message += " — " + "; ".join(
            f"branch {i}: " + ", ".join(msgs) for i, msgs in sorted(branches.items(), key=str)
        )
    return message


class Report:
    def __init__(self) -> None:
        self.failures = 0
        self.seen: Counter = Counter()
        self.hidden: Counter = Counter()

    def fail(self, item: str, json_path: str, message: str, signature: str | None = None) -> None:
        self.failures += 1
        key = (signature or item, json_path, message)
        self.seen[key] += 1
        if self.seen[key] <= MAX_REPEATS:
            print(f"FAIL {item}: {json_path}: {message}")
        else:
            self.hidden[key] += 1

    def flush_hidden(self) -> None:
        for (signature, json_path, message), count in self.hidden.items():
            print(f"FAIL ({count} more like: {signature}: {json_path}: {message})")


# ------------------------------------------------------------------------------------ 1. examples
SUBSCHEMA_MAPS = ("properties",)
SUBSCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
SUBSCHEMA_SINGLE = ("items", "not", "additionalProperties")


def walk_schema(node: Any, pointer: str) -> Iterator[tuple[str, dict]]:
    """Every schema object at or below `pointer`, not following `$ref`s."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    if "$ref" in node:
        return
    for key in SUBSCHEMA_MAPS:
        for name, sub in (node.get(key) or {}).items():
            yield from walk_schema(sub, f"{pointer}/{key}/{escape(name)}")
    for key in SUBSCHEMA_LISTS:
        for i, sub in enumerate(node.get(key) or []):
            yield from walk_schema(sub, f"{pointer}/{key}/{i}")
    for key in SUBSCHEMA_SINGLE:
        if isinstance(node.get(key), dict):
            yield from walk_schema(node[key], f"{pointer}/{key}")


class Examples:
    """Finds every example of the spec with the schema it belongs to, and validates it."""

    def __init__(self, spec: Spec, report: Report) -> None:
        self.spec = spec
        self.report = report
        self.validated = 0
        self.unchecked: list[str] = []
        # Schema locations -> directions they are used in ("write" requests, "read" responses).
        self.schema_roots: list[tuple[str, str]] = []
        self.dangling: set[str] = set()

    def run(self) -> None:
        doc = self.spec.doc
        components = doc.get("components") or {}
        for name in components.get("parameters") or {}:
            self.parameter(f"/components/parameters/{escape(name)}", "write")
        for name in components.get("headers") or {}:
            self.parameter(f"/components/headers/{escape(name)}", "read")
        for name in components.get("requestBodies") or {}:
            self.content_owner(f"/components/requestBodies/{escape(name)}", "write")
        for name in components.get("responses") or {}:
            self.response(f"/components/responses/{escape(name)}")
        for path, item in (doc.get("paths") or {}).items():
            base = f"/paths/{escape(path)}"
            for i, _ in enumerate(item.get("parameters") or []):
                self.parameter(f"{base}/parameters/{i}", "write")
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                opp = f"{base}/{method}"
                if "callbacks" in op:
                    self.unchecked.append(f"{opp}/callbacks (callbacks are not walked)")
                for i, _ in enumerate(op.get("parameters") or []):
                    self.parameter(f"{opp}/parameters/{i}", "write")
                if "requestBody" in op:
                    self.content_owner(f"{opp}/requestBody", "write")
                for status in op.get("responses") or {}:
                    self.response(f"{opp}/responses/{escape(str(status))}")
        self.schema_examples()

    # Objects that are a `$ref` are checked where they are defined (components), once.
    def is_ref(self, pointer: str) -> bool:
        node = self.spec.at(pointer)
        return isinstance(node, dict) and "$ref" in node

    def parameter(self, pointer: str, direction: str) -> None:
        """A Parameter or Header object: `schema` with `example`/`examples`, or `content`."""
        if self.is_ref(pointer):
            return
        node = self.spec.at(pointer)
        if "schema" in node:
            self.schema_roots.append((f"{pointer}/schema", direction))
            self.check_examples(node, pointer, f"{pointer}/schema", direction)
        elif "example" in node or "examples" in node:
            self.unchecked.append(f"{pointer} (example without a schema)")
        if "content" in node:
            self.content_owner(pointer, direction)

    def content_owner(self, pointer: str, direction: str) -> None:
        """A Request Body, Response, Parameter or Header with `content`: each media type."""
        if self.is_ref(pointer):
            return
        node = self.spec.at(pointer)
        for media, mt in (node.get("content") or {}).items():
            mtp = f"{pointer}/content/{escape(media)}"
            if "schema" in mt:
                self.schema_roots.append((f"{mtp}/schema", direction))
                self.check_examples(mt, mtp, f"{mtp}/schema", direction)
            elif "example" in mt or "examples" in mt:
                self.unchecked.append(f"{mtp} (example without a schema)")
            for name, enc in (mt.get("encoding") or {}).items():
                for header in (enc.get("headers") or {}):
                    self.parameter(
                        f"{mtp}/encoding/{escape(name)}/headers/{escape(header)}", direction
                    )

    def response(self, pointer: str) -> None:
        if self.is_ref(pointer):
            return
        node = self.spec.at(pointer)
        for header in node.get("headers") or {}:
            self.parameter(f"{pointer}/headers/{escape(header)}", "read")
        self.content_owner(pointer, "read")

    def check_examples(self, owner: dict, pointer: str, schema_pointer: str, direction: str) -> None:
        if "example" in owner:
            self.check(f"{pointer}/example", owner["example"], schema_pointer, direction)
        for name, example in (owner.get("examples") or {}).items():
            ep = f"{pointer}/examples/{escape(name)}"
            try:
                example, target = self.spec.deref(example, ep)
            except (Unresolvable, KeyError, IndexError) as e:
                self.report.fail(f"example {ep}", "$", f"unresolvable $ref: {getattr(e, 'ref', e)!r}")
                continue
            item = ep if target == ep else f"{ep} (= {target})"
            if "value" in example:
                self.check(item, example["value"], schema_pointer, direction)
            else:
                self.unchecked.append(f"{item} (externalValue, not fetched)")

    def check(self, item: str, instance: Any, schema_pointer: str, direction: str) -> None:
        self.validated += 1
        for json_path, message in self.spec.errors(instance, schema_pointer, direction):
            self.report.fail(f"example {item} ({direction})", json_path, message)

    def schema_examples(self) -> None:
        """`example` of every Schema object, with the direction(s) the schema is used in."""
        roots = list(self.schema_roots)
        for name in ((self.spec.doc.get("components") or {}).get("schemas") or {}):
            roots.append((f"/components/schemas/{escape(name)}", ""))
        directions = self.reach()
        seen: set[str] = set()
        for root, _ in roots:
            for pointer, schema in walk_schema(self.spec.at(root), root):
                if pointer in seen or "example" not in schema:
                    continue
                seen.add(pointer)
                used = sorted(directions.get(pointer, ())) or ["unused"]
                for direction in used:
                    self.check(f"{pointer}/example", schema["example"], pointer, direction)

    def reach(self) -> dict[str, set[str]]:
        """Schema location -> the directions ("read", "write") it is reachable in."""
        found: dict[str, set[str]] = {}
        for root, direction in self.schema_roots:
            stack = [root]
            while stack:
                start = stack.pop()
                try:
                    node = self.spec.at(start)
                except (KeyError, IndexError, ValueError, TypeError):
                    if start not in self.dangling:
                        self.dangling.add(start)
                        self.report.fail(f"spec #{start}", "-", "a $ref points here, but nothing is here")
                    continue
                for pointer, schema in walk_schema(node, start):
                    found.setdefault(pointer, set()).add(direction)
                    ref = schema.get("$ref")
                    if isinstance(ref, str) and ref.startswith("#/"):
                        if direction not in found.get(ref[1:], set()):
                            stack.append(ref[1:])
        return found


# ------------------------------------------------------------------------------------ 2. fixtures
def check_fixtures(spec: Spec, report: Report, root: Path, spec_path: Path) -> tuple[int, int]:
    validated = skipped = 0
    if spec_path.name not in MANIFESTS:
        report.fail(f"spec {spec_path}", "-", "no fixture manifest (MANIFESTS in tests/strict/validate.py)")
        return 0, 0
    FIXTURES, SKIPPED, dirs = MANIFESTS[spec_path.name]
    present = {
        f"{d}/{p.name}" for d in dirs for p in sorted((root / d).glob("*.json"))
    }
    for name in sorted(present | set(FIXTURES) | set(SKIPPED)):
        item = f"fixture tests/fixtures/{name}"
        if name in FIXTURES and name in SKIPPED:
            report.fail(item, "$", "named both in FIXTURES and SKIPPED (tests/strict/validate.py)")
            continue
        if name not in present:
            report.fail(item, "$", "named in the manifest of tests/strict/validate.py, but missing")
            continue
        if name in SKIPPED:
            skipped += 1
            print(f"note: not validated: {item}: {SKIPPED[name]}")
            continue
        if name not in FIXTURES:
            report.fail(
                item, "$",
                "not in the manifest of tests/strict/validate.py: name its schema in FIXTURES, "
                "or the reason it is not validated in SKIPPED",
            )
            continue
        schema, direction = FIXTURES[name]
        try:
            instance = json.loads((root / name).read_text(encoding="utf-8"))
        except ValueError as e:
            report.fail(item, "$", f"not JSON: {e}")
            continue
        validated += 1
        pointer = f"/components/schemas/{escape(schema)}"
        for json_path, message in spec.errors(instance, pointer, direction):
            report.fail(f"{item} (#{pointer}, {direction})", json_path, message)
    return validated, skipped


# ------------------------------------------------------------------------------------- 3. traffic
def template_regex(path: str) -> re.Pattern:
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


class Traffic:
    def __init__(self, spec: Spec, report: Report) -> None:
        self.spec = spec
        self.report = report
        self.validated = 0
        self.faults = 0
        self.off_spec = 0
        self.off_spec_seen: Counter = Counter()
        paths = spec.doc.get("paths") or {}
        self.exact = {p: item for p, item in paths.items()}
        self.templated = [
            (template_regex(p), p, item) for p, item in paths.items() if "{" in p
        ]
        # Identical responses give identical results: validate each distinct one once.
        self.cache: dict[tuple, list[tuple[str, str]]] = {}

    def path_item(self, path: str) -> tuple[str, dict] | None:
        if path in self.exact:
            return path, self.exact[path]
        for regex, template, item in self.templated:
            if regex.match(path):
                return template, item
        return None

    def run(self, directory: Path) -> None:
        if not directory.is_dir():
            self.report.fail(f"traffic {directory}", "$", "not a directory")
            return
        files = sorted(directory.glob("*.jsonl"))
        for file in files:
            with file.open(encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    if line.strip():
                        self.record(f"traffic {file.name}:{number}", line)

    def record(self, item: str, line: str) -> None:
        try:
            rec = json.loads(line)
        except ValueError as e:
            self.report.fail(item, "$", f"not a JSON line: {e}")
            return
        fields = {"method": str, "path": str, "status": int, "body": str, "fault": bool}
        if not isinstance(rec, dict):
            self.report.fail(item, "$", "not a traffic record (not a JSON object)")
            return
        bad = [k for k, t in fields.items() if not isinstance(rec.get(k), t)]
        if not isinstance(rec.get("content_type"), (str, type(None))) or "content_type" not in rec:
            bad.append("content_type")
        if bad:
            self.report.fail(item, "$", f"not a traffic record (bad or missing: {', '.join(bad)})")
            return
        if rec["fault"]:
            self.faults += 1
            return
        method = rec["method"].lower()
        path = rec["path"].split("?", 1)[0]
        found = self.path_item(path)
        if found is None or method not in found[1]:
            self.off_spec += 1
            self.off_spec_seen[f"{rec['method']} {path}"] += 1
            return
        template, path_item = found
        operation = path_item[method]
        op_name = operation.get("operationId") or f"{rec['method']} {template}"
        status = rec["status"]
        item = f"{item} ({op_name} {status})"
        signature = f"traffic {op_name} {status}"
        self.validated += 1
        responses = operation.get("responses") or {}
        key = next(
            (k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None
        )
        if key is None:
            self.report.fail(
                item, "$", f"undeclared status: {op_name} declares {', '.join(map(str, responses))}",
                signature,
            )
            return
        pointer = f"/paths/{escape(template)}/{method}/responses/{escape(key)}"
        try:
            response, pointer = self.spec.deref(responses[key], pointer)
        except (Unresolvable, KeyError, IndexError, ValueError) as e:
            self.report.fail(item, "$", f"the declared response is an unresolvable $ref: {getattr(e, 'ref', e)!r}", signature)
            return
        content = response.get("content") or {}
        body = rec["body"]
        if not content:
            if body != "":
                self.report.fail(
                    item, "$", f"the response declares no content, but the body is {short(body, 80)!r}",
                    signature,
                )
            return
        media = (rec["content_type"] or "").split(";", 1)[0].strip().lower()
        declared = next((m for m in content if media_matches(m, media)), None)
        if declared is None:
            self.report.fail(
                item, "$",
                f"content type {rec['content_type']!r} is not declared ({', '.join(content)})",
                signature,
            )
            return
        schema_pointer = f"{pointer}/content/{escape(declared)}/schema"
        if "schema" not in content[declared] or not JSON_MEDIA.match(media):
            return  # declared, and not JSON: nothing more to check
        cache_key = (schema_pointer, body)
        if cache_key not in self.cache:
            try:
                instance = json.loads(body)
            except ValueError as e:
                self.cache[cache_key] = [("$", f"the body is not JSON ({e}): {short(body, 80)!r}")]
            else:
                self.cache[cache_key] = self.spec.errors(instance, schema_pointer, "read")
        for json_path, message in self.cache[cache_key]:
            self.report.fail(item, json_path, message, signature)


def media_matches(declared: str, actual: str) -> bool:
    declared = declared.split(";", 1)[0].strip().lower()
    if declared in ("*/*", actual):
        return True
    if declared.endswith("/*"):
        return actual.startswith(declared[:-1])
    return False


# ------------------------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True, type=Path, help="the OpenAPI 3.0.x file")
    parser.add_argument(
        "--fixtures", type=Path, default=Path(__file__).resolve().parent.parent / "fixtures",
        help="the fixtures folder (default: tests/fixtures)",
    )
    parser.add_argument("--traffic", type=Path, help="a folder of *.jsonl emulator records")
    args = parser.parse_args()

    spec = Spec(args.spec)
    report = Report()
    for where, message in spec.problems:
        report.fail(f"spec {args.spec} {where}", "-", message)

    examples = Examples(spec, report)
    examples.run()
    for what in examples.unchecked:
        print(f"note: not validated: {what}")

    fixtures, skipped = check_fixtures(spec, report, args.fixtures, args.spec)

    traffic = None
    if args.traffic is not None:
        traffic = Traffic(spec, report)
        traffic.run(args.traffic)
        if traffic.validated == 0:
            report.fail(
                f"traffic {args.traffic}", "$",
                f"no response to validate ({traffic.faults} faults, {traffic.off_spec} off-spec): "
                "is the recorder (ADAPTY_EMULATOR_TRAFFIC) on?",
            )
    report.flush_hidden()

    if traffic is not None and traffic.off_spec_seen:
        print(
            "off-spec (skipped): "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(traffic.off_spec_seen.items()))
        )
    summary = f"strict: {examples.validated} examples, {fixtures} fixtures"
    skips = [f"{skipped} fixtures skipped by manifest"]
    if traffic is not None:
        summary += f", {traffic.validated} responses"
        skips = [f"{traffic.faults} faults", f"{traffic.off_spec} off-spec skipped"] + skips
    summary += f" validated ({', '.join(skips)})"
    summary += f", {report.failures} failures"
    print(summary)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
