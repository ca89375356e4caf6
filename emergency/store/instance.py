"""The installation's private folder (instance/): made by ``flask --app app instance init``
(part of ``make setup``), never by importing the app.

``init_instance`` creates the folder 0700 (or tightens it) and, when no SECRET_KEY is
configured, the per-installation session key ``instance/secret_key`` (0600) so that logins
survive a restart and every gunicorn worker signs with the same key. The SQLite file is made
0600 when the database is first connected (:func:`emergency.store.make_engine`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from emergency.store import private_dir

SECRET_FILE = "secret_key"

#: Logged once, on the first request, when the app runs with a key of its own making.
TEMPORARY_SECRET_WARNING = (
    "未配置 SECRET_KEY,且没有 instance/secret_key:本进程使用临时会话密钥,重启后需重新登录。"
    "请运行 flask --app app instance init(make setup 会运行)。 / "
    "No SECRET_KEY and no instance/secret_key: this process signs sessions with a temporary "
    "key, so logins end when it restarts. Run `flask --app app instance init` (make setup does).")


def read_secret(instance_dir: Path) -> str | None:
    """The installation's session key, or None when ``instance init`` has not made one."""
    try:
        key = (Path(instance_dir) / SECRET_FILE).read_text().strip()
    except FileNotFoundError:
        return None
    return key or None


def init_instance(instance_dir: Path, secret_configured: bool) -> list[str]:
    """Make the instance folder private and the session key (unless SECRET_KEY is configured);
    idempotent. Returns what it did, one line each."""
    folder = Path(instance_dir)
    existed = folder.exists()
    private_dir(folder)
    done = [f"instance folder {'kept' if existed else 'created'} (0700): {folder}"]
    if secret_configured:
        done.append("session key: SECRET_KEY is configured; no key file needed")
        return done
    path = folder / SECRET_FILE
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)  # never readable by others
    except FileExistsError:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            path.chmod(0o600)
        done.append(f"session key kept (0600): {path}")
        return done
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    done.append(f"session key generated (0600): {path}")
    return done
