"""Every `flask --app app …` command is registered from one module, emergency/web/cli.py, and
the commands are those operators (and the Makefile) have always used."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from flask.cli import FlaskGroup

ROOT = Path(__file__).resolve().parents[2]
REGISTERING = re.compile(r"\bcli\.(group|command|add_command)\(")

#: `flask --app app --help` and each group's `--help`: as before the commands moved to one
#: module, plus `instance init` (the writes `import app` used to make).
COMMANDS = {
    "assets": ["vendor"],
    "data": ["load"],
    "db": ["backup", "check", "restore", "upgrade"],
    "drill": ["list", "report", "run", "validate"],
    "instance": ["init"],  # new: instance/ and its key, no longer made by importing the app
    "inventory": ["apply", "refresh", "rollback", "submit", "versions"],
    "limiter": ["clear", "config", "limits"],  # Flask-Limiter's own
    "plans": ["seed"],
    "routes": None, "run": None, "shell": None,  # Flask's own
    "scheduler": ["run", "run-job", "status"],
    "users": ["create", "disable", "enable", "ensure-admin", "list", "revoke-tokens",
              "set-password", "set-prefecture"],
}


def _listed(output: str) -> list[str]:
    lines = output.split("Commands:\n", 1)[1].splitlines()
    return sorted(line.split()[0] for line in lines if line.strip())


def test_flask_help_lists_the_same_commands(app) -> None:
    cli = FlaskGroup(create_app=lambda: app)
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0, top.output
    assert _listed(top.output) == sorted(COMMANDS)
    for name, subcommands in COMMANDS.items():
        if subcommands is None:
            continue
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert _listed(result.output) == subcommands, name


def test_no_other_module_registers_commands() -> None:
    elsewhere = []
    for path in [ROOT / "app.py", *sorted((ROOT / "emergency").rglob("*.py"))]:
        if path == ROOT / "emergency" / "web" / "cli.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if REGISTERING.search(line):
                elsewhere.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not elsewhere, "register commands in emergency/web/cli.py: " + "; ".join(elsewhere)
