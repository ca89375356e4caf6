"""The dedicated scheduler process, as deployed: ``flask --app app scheduler run`` takes the
lease, stores the jobs, and gives the lease up on SIGTERM; a second one stands by meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from emergency.jobs import leases
from emergency.store import Database

ROOT = Path(__file__).resolve().parents[2]


def start(database_url: str, tmp_path: Path, owner: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "EEC_INSTANCE_DIR": str(tmp_path),
           "SECRET_KEY": "test", "PYTHONPATH": str(ROOT), "EEC_SCHEDULER_LEASE_RENEW_S": "1",
           "EEC_SCHEDULER_LEASE_TTL_S": "30"}
    env.pop("EEC_SCHEDULER", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler", "run",
                             "--owner", owner], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for(predicate, timeout: float = 60.0):  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_the_scheduler_process_leads_and_a_second_one_stands_by(database_url, tmp_path):
    db = Database(database_url)

    def holder():
        with db.session() as s:
            return leases.holder(s)

    first = start(database_url, tmp_path, "host-a")
    second = None
    try:
        wait_for(lambda: holder() is not None and holder().owner == "host-a")
        second = start(database_url, tmp_path, "host-b")
        time.sleep(3)
        assert second.poll() is None and holder().owner == "host-a"
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=60)
        assert first.returncode == 0, out
        assert "scheduler host-a: stopped" in out
        # the lease was given up (the TTL, 30 s, is far from over): expired, or b has it already
        lease = holder()
        assert lease.owner == "host-b" or not lease.live(datetime.now(UTC)), lease
        # and the standby takes it on its next tick
        wait_for(lambda: holder().owner == "host-b" and holder().live(datetime.now(UTC)))
        with db.engine.connect() as conn:
            stored = {row[0] for row in conn.execute(text("SELECT id FROM apscheduler_jobs"))}
        assert stored == {"refresh_campaign", "nightly_checks", "flood_season_switch",
                          "inbox_pickup", "hazard_deadlines"}
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=60)
        db.engine.dispose()
