"""The layer rules, executable: read from the source with the standard library's ``ast``, no import needed.

1. **Route modules stay thin.** A module that registers routes is named ``views.py`` or ``api.py`` (or sits in a
   room's ``views/`` package; ``assetmap/web.py`` holds the service-wide pages) and never touches the database:
   it imports nothing from ``assetmap.db`` and nothing from SQLAlchemy, and calls no ``.query``. It parses the
   request, calls one use case (or a read in ``queries``) and renders.
2. **Rooms keep to themselves.** A journey room (``ROOMS``) may import the shared core (``CORE``) and, of another
   room, only what that room offers (``INTERFACES``, by name). The core imports no room, except who is asking
   (the accounts' public auth helpers, ``CORE_MAY_USE``).
3. **Spatial SQL lives in ``assetmap.geo``.** No other module (``models`` and the migrations aside) names an
   ``ST_`` function or writes an SRID (4326, 27700) in its code; docstrings and comments may talk about them.
4. **No import cycles**, counting imports inside functions too: an import moved into a function to dodge a cycle
   is still a cycle. A package's ``init_app`` (and ``create_app``) is where its parts are put together, so the
   imports there are registration, not dependencies, and are not counted.

Each rule is also run over a small package planted in a temporary folder with one violation, and must find it,
so a rule that can no longer fail is noticed.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "assetmap"

#: the journeys: what users do (README "Using it"); each is a package of its own
ROOMS = ("accounts", "coverage", "embed", "ogcapi", "opendata", "practitioners", "upkeep")
#: shared by every room (a room may import any of it): the database, the spatial module, the model, errors and
#: input parsing, the asset directory (records, access rules, the read model, the store and the import
#: engine), taxonomy and the closed lists (vocabulary), session rules (schedules), submit-once, signed links, postcodes, maps, mail and scheduled jobs,
#: which reads a replica may serve (replicas),
#: service-wide pages and plumbing
CORE = (
    "config",
    "db",
    "directory",
    "embedded",
    "errors",
    "geo",
    "jobs",
    "loaders",
    "logs",
    "mail",
    "maps",
    "models",
    "once",
    "ops",
    "parsing",
    "postcodes",
    "replicas",
    "schedules",
    "security",
    "signed",
    "taxonomy",
    "vocabulary",
    "web",
)
#: put the app together, so may import every room: the package itself (``create_app``), the command line, WSGI
COMPOSITION = ("assetmap", "assetmap.cli", "assetmap.wsgi", "assetmap.gunicorn_conf")
#: what a room offers the others: module -> the names another room may import from it (None: the whole module)
INTERFACES: dict[str, set[str] | None] = {
    # accounts: the form and rate-limit extensions, and who is asking
    "assetmap.accounts": {"csrf", "limiter"},
    "assetmap.accounts.auth": {"roles_required", "SessionUser", "Anonymous"},
    # practitioners: the search, which the embedded public search runs as an anonymous visitor
    "assetmap.practitioners.params": {"DEFAULT_MILES", "DISTANCE_MILES", "miles_to_metres", "parse_filters"},
    "assetmap.practitioners.queries": {"ResultPage", "search"},
    "assetmap.practitioners.usecases": {"parse_filters_fresh", "resolve_origin"},
    "assetmap.practitioners.labels": {"distance_label", "miles_label"},
    # coverage: the measures the OGC API publishes (public assets only)
    "assetmap.coverage.usecases": {"coverage"},
    "assetmap.coverage.params": {"CoverageParams"},
    "assetmap.coverage.queries": {"local_authorities"},
    "assetmap.coverage.exports": {"row_dict"},
    # ogcapi: its part of the one OpenAPI document the open data room serves
    "assetmap.ogcapi.openapi": None,
}
#: the only room interfaces the core may use: who is asking (a core page, such as an admin-only one, needs it)
CORE_MAY_USE = ("assetmap.accounts", "assetmap.accounts.auth")
#: where ST_ functions and SRID numbers may be written
SPATIAL_MODULES = ("assetmap.geo", "assetmap.models")
#: names of route modules (or of the package holding them)
ROUTE_MODULE_NAMES = ("views", "api")
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
#: service-wide pages (health check, accessibility, data sources): core, not a room
SERVICE_PAGES = ("assetmap.web",)
SQL_MODULES = ("sqlalchemy",)
_ST = re.compile(r"\bST_[A-Z][A-Za-z0-9_]*")
_SRID = re.compile(r"(?<!EPSG:)(?<![\d.])(4326|27700)(?![\d.])")
SRIDS = {4326, 27700}


# --------------------------------------------------------------------------- reading a package


@dataclass
class Import:
    target: str  # the module imported (a submodule when ``from package import submodule``)
    names: tuple[str, ...]  # the names taken from it (empty for a whole module)
    line: int
    in_function: str | None  # the enclosing function, for imports not at module level


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    imports: list[Import] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.name.split(".")[-1]


def read_package(root: Path, package: str) -> dict[str, Module]:
    """Every module of ``package`` (found under ``root``), parsed, with its imports of the package resolved."""
    base = root / package
    modules: dict[str, Module] = {}
    for path in sorted(base.rglob("*.py")):
        if "vendor" in path.parts or "static" in path.parts:
            continue
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = Module(".".join(parts), path, is_package, ast.parse(path.read_text(), str(path)))
    for module in modules.values():
        module.imports = _imports(module, modules, package)
    return modules


def _imports(module: Module, modules: dict[str, Module], package: str) -> list[Import]:
    found: list[Import] = []
    here = module.name.split(".") if module.is_package else module.name.split(".")[:-1]

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.ImportFrom):
                base = here[: len(here) - child.level + 1] if child.level else []
                source = ".".join(base + ([child.module] if child.module else []))
                if source == package or source.startswith(package + "."):
                    names = [a.name for a in child.names]
                    subs = [n for n in names if f"{source}.{n}" in modules]
                    for n in subs:
                        found.append(Import(f"{source}.{n}", (), child.lineno, function))
                    rest = tuple(n for n in names if n not in subs)
                    if rest:
                        found.append(Import(source, rest, child.lineno, function))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == package or alias.name.startswith(package + "."):
                        found.append(Import(alias.name, (), child.lineno, function))
            visit(child, inner)

    visit(module.tree, None)
    return found


def room_of(name: str, rooms=ROOMS, package: str = PACKAGE) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == package and parts[1] in rooms else None


def _code_strings(tree: ast.AST):
    """(line, text) of every string constant that is not a docstring."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


# --------------------------------------------------------------------------- the rules


def is_route_module(module: Module) -> bool:
    """Defines a view: a function decorated ``@<blueprint>.route/get/post/…(…)``."""
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                call = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
                    return True
    return False


def route_violations(modules: dict[str, Module], package: str = PACKAGE, service_pages=SERVICE_PAGES) -> list[str]:
    out = []
    for module in modules.values():
        if not is_route_module(module):
            continue
        parent = module.name.split(".")[-2] if "." in module.name else ""
        if module.name not in service_pages and not (
            module.short in ROUTE_MODULE_NAMES or parent in ROUTE_MODULE_NAMES
        ):
            out.append(f"{module.name}: defines routes but is not named views.py or api.py")
        for imp in module.imports:
            if imp.target == f"{package}.db" or imp.target.startswith(f"{package}.db."):
                out.append(f"{module.name}:{imp.line}: a route module imports {imp.target} {imp.names}")
            if "session" in imp.names:
                out.append(f"{module.name}:{imp.line}: a route module imports the database session")
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").split(".")[0] in SQL_MODULES
            ):
                out.append(f"{module.name}:{node.lineno}: a route module imports {node.module} (write a query)")
            elif isinstance(node, ast.Import) and any(a.name.split(".")[0] in SQL_MODULES for a in node.names):
                out.append(f"{module.name}:{node.lineno}: a route module imports SQLAlchemy")
            elif isinstance(node, ast.Attribute) and node.attr == "query" and _is_orm(node.value):
                out.append(f"{module.name}:{node.lineno}: a route module uses the query API (.query)")
    return out


def _is_orm(node: ast.AST) -> bool:
    """``Model.query`` (a class: capitalised) or ``session.query`` / ``db.session.query`` - not ``url.query``."""
    if isinstance(node, ast.Name):
        return node.id[:1].isupper() or node.id in ("session", "db")
    return isinstance(node, ast.Attribute) and node.attr == "session"


def room_violations(
    modules: dict[str, Module],
    rooms=ROOMS,
    core=CORE,
    interfaces=INTERFACES,
    composition=COMPOSITION,
    package: str = PACKAGE,
    core_may_use=CORE_MAY_USE,
) -> list[str]:
    out = []
    for module in modules.values():
        if module.name in composition:
            continue
        mine = room_of(module.name, rooms, package)
        for imp in module.imports:
            theirs = room_of(imp.target, rooms, package)
            if theirs is None:
                top = imp.target.split(".")[1] if imp.target.count(".") else ""
                if imp.target != package and top not in core and top not in rooms:
                    out.append(f"{module.name}:{imp.line}: imports {imp.target}, which is neither core nor a room")
                continue
            if mine is None and imp.target not in core_may_use:
                out.append(f"{module.name}:{imp.line}: the core imports the room {theirs} ({imp.target})")
            elif mine != theirs:
                offered = interfaces.get(imp.target, set())
                if offered is None:
                    continue
                refused = [n for n in imp.names if n not in offered] if imp.names else [imp.target]
                if refused:
                    out.append(
                        f"{module.name}:{imp.line}: the room {mine} uses {imp.target} {refused}, "
                        f"which the room {theirs} does not offer (INTERFACES)"
                    )
    return out


def spatial_violations(modules: dict[str, Module], allowed=SPATIAL_MODULES) -> list[str]:
    out = []
    for module in modules.values():
        if module.name in allowed:
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("ST_"):
                out.append(f"{module.name}:{node.lineno}: {node.attr} (spatial SQL belongs in geo.py)")
            elif isinstance(node, ast.Name) and node.id.startswith("ST_"):
                out.append(f"{module.name}:{node.lineno}: {node.id} (spatial SQL belongs in geo.py)")
            elif isinstance(node, ast.Constant) and type(node.value) is int and node.value in SRIDS:
                out.append(f"{module.name}:{node.lineno}: the SRID {node.value} (use geo.SRID_WGS84 / SRID_BNG)")
        for line, value in _code_strings(module.tree):
            for hit in _ST.findall(value):
                out.append(f"{module.name}:{line}: {hit} in SQL text (spatial SQL belongs in geo.py)")
            if _SRID.search(value):
                out.append(f"{module.name}:{line}: an SRID in a string (use geo.SRID_WGS84 / SRID_BNG)")
    return out


def import_cycles(modules: dict[str, Module], composition_hooks=("init_app", "create_app")) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), counting imports in functions but not in composition hooks."""
    graph = {
        name: sorted(
            {
                i.target
                for i in m.imports
                if i.target in modules and i.target != name and i.in_function not in composition_hooks
            }
        )
        for name, m in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in graph:
        if v not in index:
            strong(v)
    return cycles


# --------------------------------------------------------------------------- the rules hold for AssetMap

MODULES = read_package(ROOT, PACKAGE)


def test_the_reader_sees_the_whole_package():
    assert {"assetmap.geo", "assetmap.practitioners.views", "assetmap.directory.imports.read"} <= set(MODULES)
    assert any(
        i.target == "assetmap.directory.imports.oruk" for i in MODULES["assetmap.directory.imports.read"].imports
    )
    assert is_route_module(MODULES["assetmap.practitioners.views"])
    assert not is_route_module(MODULES["assetmap.practitioners.queries"])


def test_every_package_is_a_room_or_core():
    tops = {name.split(".")[1] for name in MODULES if name.count(".")}
    assert tops <= set(ROOMS) | set(CORE) | {m.split(".")[1] for m in COMPOSITION if "." in m}, tops


def test_route_modules_never_touch_the_database():
    assert route_violations(MODULES) == []


def test_rooms_use_only_the_core_and_each_others_interfaces():
    assert room_violations(MODULES) == []


def test_spatial_sql_and_srids_live_in_geo():
    assert spatial_violations(MODULES) == []


def test_no_import_cycles():
    assert import_cycles(MODULES) == []


def test_every_interface_name_exists():
    """An interface that names something its module no longer has would allow nothing and hide a rename."""
    for name, offered in INTERFACES.items():
        assert name in MODULES, name
        defined = set()
        for node in ast.walk(MODULES[name].tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, (ast.ImportFrom, ast.Import)):
                defined |= {a.asname or a.name for a in node.names}
        assert offered is None or offered <= defined, (name, offered - defined)


# --------------------------------------------------------------------------- each rule fails on a planted violation


def plant(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    """A package ``toy`` of ``files`` (path -> source) in a temporary folder, read like AssetMap."""
    for rel, source in files.items():
        path = tmp_path / "toy" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    for folder in [tmp_path / "toy", *(p for p in (tmp_path / "toy").rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return read_package(tmp_path, "toy")


ROUTES = 'from flask import Blueprint\nbp = Blueprint("room", __name__)\n'


def test_a_route_module_reading_the_session_is_caught(tmp_path):
    clean = plant(tmp_path, {"room/views.py": ROUTES + "@bp.get('/')\ndef page():\n    return uc.run()\n"})
    assert route_violations(clean, package="toy") == []
    found = plant(
        tmp_path / "a",
        {
            "db.py": "session = None\n",
            "room/views.py": ROUTES
            + "from ..db import session\n@bp.get('/')\ndef page():\n    return session.get(1)\n",
        },
    )
    assert any("database session" in v for v in route_violations(found, package="toy"))


def test_a_route_module_querying_or_misnamed_is_caught(tmp_path):
    found = plant(
        tmp_path,
        {
            "room/pages.py": ROUTES
            + "from sqlalchemy import select\n@bp.route('/')\ndef page():\n    return User.query.all() + [url.query]\n",
        },
    )
    problems = route_violations(found, package="toy")
    assert any("not named views.py" in v for v in problems)
    assert any("imports sqlalchemy" in v for v in problems)
    assert len([v for v in problems if ".query" in v]) == 1  # User.query; a URL's .query is no query


def test_a_room_importing_another_rooms_internals_is_caught(tmp_path):
    files = {
        "core.py": "X = 1\n",
        "north/usecases.py": "def run():\n    pass\n\ndef secret():\n    pass\n",
        "south/views.py": "from ..core import X\nfrom ..north.usecases import run\n",
    }
    rules = {"rooms": ("north", "south"), "core": ("core",), "composition": (), "package": "toy"}
    offered = {"toy.north.usecases": {"run"}}
    assert room_violations(plant(tmp_path / "a", files), interfaces=offered, **rules) == []
    files["south/views.py"] += "from ..north.usecases import secret\nfrom ..north import usecases\n"
    problems = room_violations(plant(tmp_path / "b", files), interfaces=offered, **rules)
    assert len(problems) == 2 and all("does not offer" in v for v in problems)


def test_the_core_importing_a_room_is_caught(tmp_path):
    found = plant(tmp_path, {"core.py": "def f():\n    from .north import views\n", "north/views.py": "Y = 2\n"})
    problems = room_violations(found, rooms=("north",), core=("core",), interfaces={}, composition=(), package="toy")
    assert problems == ["toy.core:2: the core imports the room north (toy.north.views)"]


def test_spatial_sql_outside_geo_is_caught(tmp_path):
    found = plant(
        tmp_path,
        {
            "geo.py": 'SQL = "SELECT ST_X(geom) FROM t WHERE ST_SRID(geom) = 4326"\n',
            "room/queries.py": '''
                """ST_Covers and EPSG:4326 may be explained in a docstring."""
                from sqlalchemy import func, text
                A = func.ST_Distance(1, 2)
                B = text("SELECT 1 FROM ward w WHERE ST_Covers(w.geom, :p)")
                C = 27700
                D = "ST_SetSRID(x, 4326)"
                E = "Use a file in EPSG:4326 or EPSG:27700"  # a message for people: allowed
                F = "SHORTLIST_KEY, 14326 and 4326.5 are not SRIDs"
            ''',
        },
    )
    problems = spatial_violations(found, allowed=("toy.geo",))
    assert len(problems) == 5, problems
    assert {p.split(":")[1] for p in problems} == {"4", "5", "6", "7"}


def test_an_import_cycle_is_caught_even_inside_a_function(tmp_path):
    found = plant(
        tmp_path,
        {
            "a.py": "from . import b\n",
            "b.py": "def later():\n    from .a import thing\n",
            "c.py": "from . import b\n",
            "room/__init__.py": "def init_app(app):\n    from . import views\n",
            "room/views.py": "from . import helper\n",
            "room/helper.py": "from .. import room\n",
        },
    )
    assert import_cycles(found) == [["toy.a", "toy.b"]]  # the package's init_app registers, so is not counted
