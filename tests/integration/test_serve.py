"""``make serve``: the app under gunicorn (emergency/serve.py) answers /api/health on PORT, with
one scheduler process beside the workers and no development server; the instance folder and
the SQLite file are private to their owner, made by `flask instance init` and the first
connection, never by importing the app."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the direct children of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                found.append((int(entry.name), cmd))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return found


def serve_env(database_url: str, instance: Path, port: int, **extra: str) -> dict[str, str]:
    instance.mkdir(exist_ok=True)
    cache = instance / "cache"
    if not cache.exists():  # the river network's cache from `make setup`, not rebuilt here
        cache.symlink_to(ROOT / "instance" / "cache")
    env = {**os.environ, "DATABASE_URL": database_url, "EEC_INSTANCE_DIR": str(instance),
           "SECRET_KEY": "serve-test", "PORT": str(port), "HOST": "127.0.0.1",
           "PYTHONPATH": str(ROOT), **extra}
    env.pop("EEC_SCHEDULER", None)
    return env


def get(url: str, timeout: float = 5.0):
    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - loopback only


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed (requirements.txt)")
def test_make_serve_answers_health_on_port_with_one_scheduler_process(database_url, tmp_path):
    port = free_port()
    env = serve_env(database_url, tmp_path / "instance", port, WORKERS="2", THREADS="2")
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:  # the command `make serve` runs, after `make setup`
        master = subprocess.Popen([str(GUNICORN), "--config", "python:emergency.serve",
                                   "app:app"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert master.poll() is None, log_path.read_text()[-3000:]
            try:
                with get(f"http://127.0.0.1:{port}/api/health", timeout=30) as resp:
                    body, headers = resp.read().decode(), resp.headers
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert '"status":"ok"' in body.replace(" ", "")
        assert headers["Server"] == "gunicorn"  # no version
        assert headers["X-Content-Type-Options"] == "nosniff"
        with get(f"http://127.0.0.1:{port}/login", timeout=30) as resp:
            assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        kids = children(master.pid)
        schedulers = [cmd for _, cmd in kids if "scheduler run" in cmd]
        workers = [cmd for _, cmd in kids if "scheduler run" not in cmd]
        assert len(schedulers) == 1 and len(workers) == 2, kids
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=60)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
    output = log_path.read_text()
    assert "development server" not in output and "Werkzeug" not in output
    assert "scheduler: started" in output and "scheduler: stopped" in output
    assert master.returncode == 0, output[-3000:]


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed (requirements.txt)")
def test_serve_can_leave_the_jobs_to_another_process(tmp_path):
    """EEC_SERVE_SCHEDULER=0: no scheduler child (a systemd unit runs it instead)."""
    sys.path.insert(0, str(ROOT))
    from emergency import serve

    class Log:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def info(self, msg: str, *args) -> None:
            self.lines.append(msg % args)

    class Arbiter:
        log = Log()

    os.environ["EEC_SERVE_SCHEDULER"] = "0"
    try:
        serve.when_ready(Arbiter())
    finally:
        del os.environ["EEC_SERVE_SCHEDULER"]
    assert serve._scheduler is None and "not started" in Arbiter.log.lines[0]


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_the_instance_folder_and_the_sqlite_file_are_private(tmp_path, network):
    """`flask instance init` (make setup) makes instance/ 0700 and the session key 0600; the
    SQLite file is 0600 from its first connection; both are tightened if others may read."""
    from app import create_app
    from emergency.store.instance import read_secret

    instance = tmp_path / "fresh-instance"
    config = {"TESTING": True, "INSTANCE_DIR": instance, "RIVER_NETWORK": network,
              "DATABASE_URL": f"sqlite:///{instance / 'eec.sqlite3'}"}
    app = create_app(config)
    assert not instance.exists()  # the factory writes nothing
    result = app.test_cli_runner().invoke(args=["instance", "init"])
    assert result.exit_code == 0, result.output
    assert "session key generated" in result.output
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert not (instance / "eec.sqlite3").exists()
    assert app.extensions["database"].ping()
    app.extensions["database"].engine.dispose()
    assert stat.S_IMODE((instance / "eec.sqlite3").stat().st_mode) == 0o600
    # the next app signs with the installation's key; a second init keeps it
    key = read_secret(instance)
    again = create_app(config)
    assert again.secret_key == key
    assert "session key kept" in again.test_cli_runner().invoke(args=["instance", "init"]).output
    assert read_secret(instance) == key
    # an existing database file and folder readable by others are tightened
    (instance / "eec.sqlite3").chmod(0o644)
    (instance / "secret_key").chmod(0o644)
    instance.chmod(0o755)
    third = create_app(config)
    assert third.test_cli_runner().invoke(args=["instance", "init"]).exit_code == 0
    assert third.extensions["database"].ping()
    third.extensions["database"].engine.dispose()
    assert stat.S_IMODE((instance / "eec.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


def test_create_app_writes_no_file(tmp_path, caplog):
    """create_app() on an empty folder writes nothing there (no instance/, no secret key, no
    SQLite file, no river cache); without a key it signs with a temporary one and says so."""
    from app import create_app

    instance = tmp_path / "instance"
    app = create_app({"TESTING": True, "INSTANCE_DIR": instance,
                      "RIVER_CACHE_DIR": instance / "cache", "SECRET_KEY": None,
                      "DATABASE_URL": f"sqlite:///{instance / 'eec.sqlite3'}"})
    assert _files(tmp_path) == []
    assert app.secret_key and len(app.secret_key) == 64
    with caplog.at_level("WARNING"):
        app.test_client().get("/login")
        app.test_client().get("/login")
    warned = [r for r in caplog.records if "instance init" in r.getMessage()]
    assert len(warned) == 1 and "SECRET_KEY" in warned[0].getMessage()


def test_import_app_writes_no_file(tmp_path):
    """`import app` (what `flask --app app …` and gunicorn do) on a fresh installation folder
    leaves it as it was: the writes belong to `flask --app app instance init`."""
    instance = tmp_path / "instance"
    env = {**os.environ, "EEC_INSTANCE_DIR": str(instance), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(ROOT)}
    for name in ("DATABASE_URL", "SECRET_KEY", "EEC_SCHEDULER", "EEC_INBOX_DIR"):
        env.pop(name, None)
    probe = ("import app; c = app.app.config; "
             "print(c['INSTANCE_DIR'], c['DATABASE_URL'], bool(c['SECRET_KEY']))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == [str(instance), f"sqlite:///{instance / 'eec.sqlite3'}", "True"]
    assert _files(tmp_path) == []
