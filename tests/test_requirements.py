"""The lock files: runtime (requirements.lock, what the image installs) and development (requirements-dev.lock)."""

import ast
import importlib.metadata
import re
import sys
import tomllib

from assetmap.config import PROJECT_ROOT


def pins(name: str) -> dict[str, str]:
    out = {}
    for line in (PROJECT_ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            package, version = line.split("==", 1)
            out[normalise(package)] = version.strip()
    return out


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return normalise(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0])


def test_every_package_the_app_imports_is_in_the_runtime_lock():
    """A package only the dev tools pull in (Flask-Login came with locust) would be missing from the image."""
    imported = set()
    for folder in ("assetmap", "migrations"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"assetmap"}
    providers = importlib.metadata.packages_distributions()
    runtime = pins("requirements.lock")
    missing = {
        m: providers.get(m) for m in third_party if not any(normalise(d) in runtime for d in providers.get(m, []))
    }
    assert not missing, missing


def test_the_locks_agree_and_cover_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {requirement_name(d) for d in project["dependencies"]} <= set(runtime)
    assert {requirement_name(d) for d in project["optional-dependencies"]["dev"]} <= set(dev)
    assert {p: v for p, v in dev.items() if p in runtime} == runtime
    assert not {requirement_name(d) for d in project["optional-dependencies"]["dev"]} & set(runtime)  # image: no tests
