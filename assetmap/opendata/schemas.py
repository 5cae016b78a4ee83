"""The Open Referral UK 3.0 JSON schemas, resolved offline, for validation and for the OpenAPI document.

The schema files are vendored in ``spec/`` (see spec/SOURCES.md). They carry no ``$id``: each is
registered under its published address so their absolute ``$ref``s resolve without a network.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_BASE = "https://openreferraluk.org/specifications/3.0/schema/"
SPEC_DIR = Path(__file__).parent / "spec"

#: Tabular Data Package annotations in the published schemas: not JSON Schema, dropped from OpenAPI.
_PACKAGE_KEYS = {"name", "path", "constraints", "core", "datapackage_metadata", "datapackage_type", "tabular_required"}


def _check_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. a broken IPv6 host: not a URI, and not a reason to stop an import
        return False
    return bool(parts.scheme and (parts.netloc or parts.scheme in ("mailto", "urn", "tel")))


def _check_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        return False
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def format_checker() -> FormatChecker:
    """jsonschema's checkers plus ``uri`` and ``date-time`` (which need extra packages otherwise)."""
    checker = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)
    checker.checks("uri")(_check_uri)
    checker.checks("date-time")(_check_datetime)
    return checker


def schema_files(folder: Path = SPEC_DIR) -> dict[str, dict]:
    """{file stem: schema} for every schema file in ``folder``."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


@functools.cache
def registry(folder: Path = SPEC_DIR) -> Registry:
    """A ``referencing`` registry mapping each published schema address to its local file."""
    return Registry().with_resources(
        (SCHEMA_BASE + f"{stem}.json", Resource.from_contents(schema, default_specification=DRAFT202012))
        for stem, schema in schema_files(folder).items()
    )


def validator(name: str, folder: Path = SPEC_DIR, check_formats: bool = True) -> Draft202012Validator:
    """A validator for one ORUK schema (e.g. "service_list"), with formats checked unless told not to."""
    reg = registry(folder)
    schema = reg.contents(SCHEMA_BASE + f"{name}.json")
    return Draft202012Validator(schema, registry=reg, format_checker=format_checker() if check_formats else None)


def problems(name: str, instance, folder: Path = SPEC_DIR, check_formats: bool = True, limit: int = 5) -> list[str]:
    """Human-readable schema violations of ``instance`` against ORUK schema ``name`` (empty when valid)."""
    errors = sorted(validator(name, folder, check_formats).iter_errors(instance), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in e.path) or '(top)'}: {e.message}" for e in errors[:limit]]


def _clean(node, ref_prefix: str):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _PACKAGE_KEYS:
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_BASE):
                out[key] = ref_prefix + "oruk_" + value[len(SCHEMA_BASE) :].removesuffix(".json")
            elif key == "properties":
                out[key] = {k: _clean(v, ref_prefix) for k, v in value.items()}
            else:
                out[key] = _clean(value, ref_prefix)
        return out
    if isinstance(node, list):
        return [_clean(v, ref_prefix) for v in node]
    return node


def openapi_components(ref_prefix: str = "#/components/schemas/") -> dict[str, dict]:
    """The ORUK schemas as OpenAPI 3.1 components named ``oruk_<file>``, refs pointing inside the document."""
    return {f"oruk_{stem}": _clean(schema, ref_prefix) for stem, schema in schema_files().items()}
