"""gunicorn settings for ``make serve`` (生产部署): ``gunicorn -c python:emergency.serve app:app``.

Read from the environment:

=================== ======================= ==================================================
``PORT``            8000                    the port to listen on
``HOST``            0.0.0.0                 the address (behind nginx: 127.0.0.1)
``WORKERS``         2 × CPUs + 1 (max 8)    worker processes
``THREADS``         4                       threads per worker (gthread)
``TIMEOUT``         60                      seconds before a silent worker is restarted
``EEC_SERVE_SCHEDULER`` 1                   1: the master starts ``flask --app app scheduler
                                            run`` beside the workers; 0: the jobs run elsewhere
=================== ======================= ==================================================

Before the workers start, the master makes the instance folder and its session key as
``flask --app app instance init`` does (``on_starting``; ``make serve`` runs ``make setup``,
which has done it already).

The scheduled jobs run in exactly one process: the workers never start a scheduler
(``EEC_SCHEDULER`` is forced off in them), and the gunicorn master starts one dedicated
scheduler process when it is ready and stops it on exit. Should a second one run anyway (another
host, a systemd unit), the database lease of :mod:`emergency.jobs.scheduler` still lets only
one of them run jobs.

No access log is written (secret calendar-feed addresses are in request paths); gunicorn's
error log goes to stderr. gunicorn's ``Server`` header carries no version.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{_int('PORT', 8000)}"
workers = _int("WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8))
worker_class = "gthread"
threads = _int("THREADS", 4)
timeout = _int("TIMEOUT", 60)
graceful_timeout = 20
keepalive = 5
chdir = str(ROOT)
proc_name = "eec"
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
raw_env = ["EEC_SCHEDULER=0"]  # never in a worker: see the module docstring

_scheduler: subprocess.Popen | None = None


def scheduler_command() -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "scheduler", "run"]


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Before any worker starts: the instance folder and its session key, as
    ``flask --app app instance init`` (``make setup``) makes them, so that gunicorn started
    directly still gives every worker the same key (the app never writes them itself)."""
    from emergency.config import default_config
    from emergency.store.instance import init_instance

    config = default_config()
    for line in init_instance(config["INSTANCE_DIR"], secret_configured=bool(config["SECRET_KEY"])):
        server.log.info("instance: %s", line)


def when_ready(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Start the one scheduler process (unless EEC_SERVE_SCHEDULER=0)."""
    global _scheduler
    if os.environ.get("EEC_SERVE_SCHEDULER", "1") != "1":
        server.log.info("scheduler: not started here (EEC_SERVE_SCHEDULER=0)")
        return
    env = {**os.environ, "EEC_SCHEDULER": "0"}
    _scheduler = subprocess.Popen(scheduler_command(), cwd=ROOT, env=env)
    server.log.info("scheduler: started `flask --app app scheduler run` (pid %s)", _scheduler.pid)


def on_exit(server) -> None:  # noqa: ANN001
    """Stop the scheduler process (SIGTERM: it gives its lease up and exits)."""
    if _scheduler is None or _scheduler.poll() is not None:
        return
    _scheduler.terminate()
    try:
        _scheduler.wait(timeout=15)
    except subprocess.TimeoutExpired:
        _scheduler.kill()
    server.log.info("scheduler: stopped")
