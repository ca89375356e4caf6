"""The layers, checked by walking the imports (issue 12).

From the bottom up (a module may import its own layer and the layers below, never one above):

====  ==========  ====================================================================
rank  layer       which modules
====  ==========  ====================================================================
0     rivers      ``rivers/``: river science; no framework, nothing of the rest
1     plans       ``plans/``: the plan files, their schema and vocabulary; imports rivers only
2     domain      every other module of ``emergency/``: pure rules and models; no Flask, no
                  SQLAlchemy, no folium
3     store       ``emergency/store/``: the SQLAlchemy models, migrations, backup
4     service     use cases that take a ``Session``: every module named ``*service`` and the
                  ones in ``SERVICES`` below; SQLAlchemy, no Flask
5     top         ``emergency/web/`` (Flask), ``emergency/jobs/`` (the scheduler; never imports
                  web), ``emergency/serve.py`` and ``app.py``
====  ==========  ====================================================================

Besides: no module imports a ``_private`` name from another package; web modules contain no
``select(`` (queries belong to services) and use no ``_private`` name of any other module.
Every import counts, at module level or inside a function; imports under ``if TYPE_CHECKING:``
do not (they load nothing).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Use cases whose module name does not end in "service": each reads or writes the database.
SERVICES = {
    "emergency.accounts": "users, logins, API tokens and sessions",
    "emergency.drills.managed": "stored drill scenarios and their versions",
    "emergency.incidents.context": "builds the incidents service's EngineContext",
    "emergency.incidents.finder": "the incident list's queries",
    "emergency.inventory.snapshot": "reads the inventories into frozen views for the engine",
    "emergency.plan_management.snapshot": "the published plan versions, read for the engine",
    "emergency.refresh.writer": "the inventory writes of one refresh apply",
    "emergency.roster.feeds": "calendar-feed tokens",
    "emergency.roster.notifications": "the duty desk's notification centre",
}

RANKS = {"rivers": 0, "plans": 1, "domain": 2, "store": 3, "service": 4, "top": 5}

FLASK = ("flask", "flask_limiter", "flask_login", "flask_sqlalchemy", "flask_migrate", "jinja2",
         "markupsafe")
FOLIUM = ("folium", "branca")
DATABASE = ("sqlalchemy", "alembic")
# The third-party frameworks each layer must not import.
FORBIDDEN = {
    "rivers": FLASK + FOLIUM + DATABASE,
    "plans": FLASK + FOLIUM + DATABASE,
    "domain": FLASK + FOLIUM + DATABASE,
    "store": FLASK + FOLIUM,
    "service": FLASK + FOLIUM,
    "top": (),
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] in ("rivers", "plans"):
        return parts[0]
    if module == "app" or parts[:2] in (["emergency", "web"], ["emergency", "jobs"]) \
            or module == "emergency.serve":
        return "top"
    if parts[:2] == ["emergency", "store"]:
        return "store"
    if parts[-1].endswith("service") or module in SERVICES:
        return "service"
    return "domain"


@dataclass(frozen=True)
class Import:
    target: str        # the module imported (a submodule when the name is one)
    name: str | None   # the name taken from it (``from m import name``), if any
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> dict[str, Path]:
    files = [p for d in ("rivers", "plans", "emergency") for p in sorted((root / d).rglob("*.py"))]
    if (root / "app.py").exists():
        files.append(root / "app.py")
    return {module_name(root, p): p for p in files}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(tree: ast.AST):
    """Every node, leaving out the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    out = []
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [Import(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for a in node.names:
                sub = f"{source}.{a.name}"
                out.append(Import(sub if sub in modules else source, a.name, node.lineno))
    return out


def _private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def _package(module: str, modules: dict[str, Path]) -> str:
    """The package a module belongs to (a package's __init__ belongs to itself)."""
    path = modules.get(module)
    if path is not None and path.name == "__init__.py":
        return module
    return module.rpartition(".")[0]


def violations(root: Path) -> list[str]:
    modules = source_files(root)
    found = []
    for module, path in modules.items():
        layer = layer_of(module)
        where = f"{path.relative_to(root)}"
        imported = imports_of(module, path, modules)
        module_aliases = set()
        for imp in imported:
            top = imp.target.split(".")[0]
            if top in FORBIDDEN[layer]:
                found.append(f"{where}:{imp.line}: {layer} module imports {imp.target}")
            if top not in ("rivers", "plans", "emergency", "app"):
                continue
            other = layer_of(imp.target)
            if RANKS[other] > RANKS[layer]:
                found.append(f"{where}:{imp.line}: {layer} module imports {imp.target} ({other})")
            if module.startswith("emergency.jobs") and imp.target.startswith("emergency.web"):
                found.append(f"{where}:{imp.line}: jobs import the web layer ({imp.target})")
            foreign = _package(imp.target, modules) != _package(module, modules)
            if _private(imp.name) and foreign:
                found.append(f"{where}:{imp.line}: imports {imp.target}.{imp.name} from another "
                             "package")
            if module.startswith("emergency.web"):
                if _private(imp.name) and not foreign and imp.target != module:
                    found.append(f"{where}:{imp.line}: web imports {imp.target}.{imp.name}")
                if imp.target in modules and (imp.name is None or imp.target.endswith(
                        f".{imp.name}")):
                    module_aliases.add(imp.name or imp.target)
        if module.startswith("emergency.web"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"\bselect\(", text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{where}:{line}: web runs a query (select()); a service should")
            for node in ast.walk(ast.parse(text)):
                if (isinstance(node, ast.Attribute) and _private(node.attr)
                        and isinstance(node.value, ast.Name) and node.value.id in module_aliases):
                    found.append(f"{where}:{node.lineno}: web uses {node.value.id}.{node.attr}")
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------------------- the tree

def test_the_layers_hold():
    assert violations(PROJECT_ROOT) == []


def test_services_table_names_real_services():
    """Each module in SERVICES exists and does touch the database (else it is domain)."""
    modules = source_files(PROJECT_ROOT)
    for module in SERVICES:
        assert module in modules, f"{module} is gone: drop it from SERVICES"
        deps = imports_of(module, modules[module], modules)
        assert any(d.target.split(".")[0] == "sqlalchemy"
                   or (layer_of(d.target) in ("store", "service") and d.target != module)
                   for d in deps), f"{module} is pure: not a service"


def test_plans_and_rivers_stand_alone():
    modules = source_files(PROJECT_ROOT)
    for module, path in modules.items():
        if module.split(".")[0] in ("rivers", "plans"):
            for imp in imports_of(module, path, modules):
                assert not imp.target.startswith("emergency"), f"{module} imports {imp.target}"


# ----------------------------------------------------------------- the checker can fail (synthetic)

def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


CLEAN = {
    "rivers/__init__.py": "",
    "rivers/network.py": "import numpy\n",
    "plans/__init__.py": "",
    "plans/loader.py": "from rivers.network import numpy\n",
    "emergency/__init__.py": "",
    "emergency/grading.py": "from plans.loader import numpy\n",
    "emergency/store/__init__.py": "import sqlalchemy\n",
    "emergency/incidents/__init__.py": "",
    "emergency/incidents/service.py": (
        "from sqlalchemy import select\nfrom emergency.store import x\n"
        "from emergency import grading\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from emergency.web import pages\n"),
    "emergency/jobs/__init__.py": "",
    "emergency/jobs/tasks.py": "from emergency.incidents import service\n",
    "emergency/web/__init__.py": "",
    "emergency/web/pages.py": (
        "import flask\nfrom emergency.incidents import service\nfrom emergency.jobs import tasks\n"
        "from emergency.web.i18n import lang\nservice.package_now()\n"),
    "emergency/web/i18n.py": "def lang(): pass\n",
    "app.py": "from emergency.web import pages\n",
}


def test_a_clean_synthetic_tree_passes(tmp_path):
    _write(tmp_path, CLEAN)
    assert violations(tmp_path) == []


def test_each_bad_import_is_caught(tmp_path):
    bad = {
        "emergency/grading.py": "import flask\n",                                  # (a)
        "emergency/labels.py": "def f():\n    from sqlalchemy import select\n",   # (a), lazily
        "emergency/maps.py": "import folium\n",                                    # (a)
        "emergency/warning.py": "from emergency.incidents.service import run\n",   # (b)
        "emergency/store/models.py": "from emergency.incidents import service\n",  # (b)
        "emergency/incidents/service.py": "from emergency.web import pages\n",     # (b)
        "emergency/jobs/tasks.py": "from emergency.web.pages import thing\n",      # jobs→web
        "emergency/jobs/runner.py": "from emergency.incidents.service import _sync\n",
        "emergency/web/plan_pages.py": "from emergency.web.pages import _helper\n",  # (d)
        "plans/loader.py": "from emergency.grading import TIERS\n",                # (c)
        "rivers/network.py": "from plans import loader\n",                         # (b)
        "emergency/web/pages.py": (
            "from emergency.incidents.service import _input_from_row\n"            # (d)
            "from emergency.incidents import service\n"
            "rows = service._event(1)\n"                                           # (d)
            "q = select(Incident)\n"),                                             # (d)
    }
    _write(tmp_path, CLEAN | bad)
    found = "\n".join(violations(tmp_path))
    for expected in (
        "emergency/grading.py:1: domain module imports flask",
        "emergency/labels.py:2: domain module imports sqlalchemy",
        "emergency/maps.py:1: domain module imports folium",
        "emergency/warning.py:1: domain module imports emergency.incidents.service (service)",
        "emergency/store/models.py:1: store module imports emergency.incidents.service (service)",
        "emergency/incidents/service.py:1: service module imports emergency.web.pages (top)",
        "emergency/jobs/tasks.py:1: jobs import the web layer",
        "emergency/jobs/runner.py:1: imports emergency.incidents.service._sync from another",
        "plans/loader.py:1: plans module imports emergency.grading (domain)",
        "rivers/network.py:1: rivers module imports plans.loader (plans)",
        "emergency/web/pages.py:1: imports emergency.incidents.service._input_from_row from",
        "emergency/web/plan_pages.py:1: web imports emergency.web.pages._helper",
        "emergency/web/pages.py:3: web uses service._event",
        "emergency/web/pages.py:4: web runs a query",
    ):
        assert expected in found, f"not caught: {expected}\n{found}"
