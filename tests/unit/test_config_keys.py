"""Every configuration key the code reads is declared once, in emergency/config.py, and read
without an inline default (the default lives in ``SETTINGS`` only).

A read is ``X.config[...]``, ``X.config.get(...)``, ``X.config.setdefault(...)`` or the same on a
name bound to ``X.config`` (``cfg = app.config``) or called ``config`` / ``cfg``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from emergency.config import SETTINGS, default_config

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "emergency").rglob("*.py"))]


def config_reads(source: str) -> list[tuple[int, str, str | None]]:
    """(line, key, problem) for each config access in ``source``; problem is None when fine,
    else a description of the inline default."""
    tree = ast.parse(source)
    aliases = {"config", "cfg"}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "config"):
            aliases.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def is_config(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr == "config"
        return isinstance(node, ast.Name) and node.id in aliases

    def key_of(node: ast.AST) -> str:
        return node.value if isinstance(node, ast.Constant) else ast.unparse(node)

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_config(node.value):
            out.append((node.lineno, key_of(node.slice), None))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("get", "setdefault", "pop") and is_config(node.func.value)
              and node.args):
            problem = None
            if node.func.attr == "setdefault":
                problem = "setdefault: declare the default in emergency/config.py"
            elif node.func.attr == "get" and (len(node.args) > 1 or node.keywords):
                problem = "inline default: declare it in emergency/config.py"
            out.append((node.lineno, key_of(node.args[0]), problem))
    return out


def test_every_key_read_is_declared_and_read_without_a_default() -> None:
    undeclared, defaults = [], []
    for path in _sources():
        rel = path.relative_to(ROOT)
        for line, key, problem in config_reads(path.read_text(encoding="utf-8")):
            if key not in SETTINGS:
                undeclared.append(f"{rel}:{line} {key}")
            if problem:
                defaults.append(f"{rel}:{line} {key}: {problem}")
    assert not undeclared, "config keys read but not declared in emergency/config.py: " + \
        ", ".join(undeclared)
    assert not defaults, "config defaults given at the read site: " + ", ".join(defaults)


def test_the_walker_sees_undeclared_keys_and_inline_defaults() -> None:
    source = (
        "def f(app, ctx):\n"
        "    cfg = app.config\n"
        "    a = current_app.config['TIMEZONE']\n"
        "    b = ctx.config.get('NOT_DECLARED_ANYWHERE')\n"
        "    c = cfg.get('TIMEZONE', 'Asia/Shanghai')\n"
        "    app.config.setdefault('KEY_RIVERS', ())\n"
    )
    reads = config_reads(source)
    assert sorted((k, p is not None) for _, k, p in reads) == sorted([
        ("TIMEZONE", False), ("NOT_DECLARED_ANYWHERE", False), ("TIMEZONE", True),
        ("KEY_RIVERS", True)])
    assert "NOT_DECLARED_ANYWHERE" not in SETTINGS


def test_every_setting_has_a_unit_and_a_meaning_and_a_default() -> None:
    config = default_config()
    assert set(config) == set(SETTINGS)
    for key, setting in SETTINGS.items():
        assert key.isupper(), key
        assert setting.unit.strip() and setting.meaning.strip(), key
        assert "\n" not in setting.meaning, key


def test_environment_variables_replace_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("EEC_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("EEC_SCHEDULER", "1")
    monkeypatch.setenv("EEC_SCHEDULER_LEASE_TTL_S", "30")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = default_config()
    assert config["INSTANCE_DIR"] == tmp_path
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'eec.sqlite3'}"
    assert config["RIVER_CACHE_DIR"] == tmp_path / "cache"
    assert config["SCHEDULER_ENABLED"] is True
    assert config["SCHEDULER_LEASE_TTL_S"] == 30.0
    monkeypatch.setenv("EEC_SCHEDULER", "0")
    assert default_config()["SCHEDULER_ENABLED"] is False
