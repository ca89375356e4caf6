"""Backups (备份与恢复) of the application database: ``flask --app app db backup PATH`` and
``db restore PATH``.

* **SQLite**: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot page by page while the app keeps running; the backup file is created 0600. A restore
  copies the backup's pages into the configured database file the same way (stop the web
  server and the scheduler first: open connections would keep reading their old pages).
* **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
  --no-owner`` (the client tools of the server's major version must be installed; without
  them the command refuses and says so). The password travels in ``PGPASSWORD``, never on a
  command line. For scheduled backups, ``pg_dump`` from cron or the database host's own
  backup (base backups + WAL archiving) are the usual ways; restore with ``pg_restore``.

No Flask here: the CLI in :mod:`emergency.web.cli` calls these with the configured URL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import make_url

from emergency.store import sqlite_path


class BackupError(RuntimeError):
    """A backup or restore that cannot be done (with the reason, for the operator)."""


def backup(url: str, dest: Path, *, overwrite: bool = False) -> Path:
    """Write a backup of the database at ``url`` to ``dest`` (0600)."""
    dest = Path(dest)
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists (use --force to overwrite it)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite_path(url)
    if source is not None:
        if not source.exists():
            raise BackupError(f"no database at {source}")
        _sqlite_copy(source, dest, create=True)
    elif make_url(url).get_backend_name() == "postgresql":
        tmp = dest.with_name(dest.name + ".partial")
        _private_empty(tmp)
        _pg("pg_dump", url, ["--format=custom", "--no-owner", f"--file={tmp}"])
        tmp.replace(dest)
    else:
        raise BackupError(f"no backup method for {make_url(url).get_backend_name()}")
    return dest


def restore(url: str, source: Path) -> None:
    """Replace the contents of the database at ``url`` with the backup ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    target = sqlite_path(url)
    if target is not None:
        _check_sqlite_backup(source)
        _sqlite_copy(source, target, create=not target.exists())
    elif make_url(url).get_backend_name() == "postgresql":
        _pg("pg_restore", url, ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                                str(source)], database_flag=True)
    else:
        raise BackupError(f"no restore method for {make_url(url).get_backend_name()}")


# ----------------------------------------------------------------------------- SQLite
def _private_empty(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))


def _sqlite_copy(source: Path, dest: Path, *, create: bool) -> None:
    if create:
        _private_empty(dest)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite_backup(source: Path) -> None:
    """A SQLite file with this application's schema (refuse anything else before writing)."""
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                                  "WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{source} is not a SQLite database: {err}") from err
    if not ok or "alembic_version" not in tables:
        raise BackupError(f"{source} is not a backup of this application's database")


# ----------------------------------------------------------------------------- PostgreSQL
def _pg(tool: str, url: str, args: list[str], *, database_flag: bool = False) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} is not installed: install PostgreSQL's client tools "
                          "(the server's major version), e.g. apt-get install postgresql-client")
    u = make_url(url)
    env = {**os.environ, "PGHOST": u.host or "localhost", "PGPORT": str(u.port or 5432),
           "PGUSER": u.username or "", "PGDATABASE": u.database or ""}
    if u.password:
        env["PGPASSWORD"] = u.password
    cmd = [exe, *args]
    if database_flag:
        cmd.insert(1, f"--dbname={u.database}")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
