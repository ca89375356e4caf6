"""Upload guards benchmark (issue 13 part 3): how fast a zip bomb is refused.

The bomb is the issue's: an XLSX under 1 MB whose sheet expands to ~180 MB (1,000,000 rows;
tests/upload_bombs.py builds it by repeating one deflated block). Timed:

- ``check_s``: emergency.spreadsheets.check_xlsx alone (the central directory, no inflating);
- ``import_s``: the whole ``POST /api/inventory/materials/import`` through the app (multipart
  parsing, the check, the bilingual 413), on a temporary SQLite database;
- ``uncapped_count_s``: for comparison, counting the rows of the same sheet without the size
  and ratio caps (inflating all of it, no XML parsing) — what a bomb would cost if only the
  row count guarded the reader.

Target: the import refused in under a second. Nothing runs at import.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(quick: bool = False) -> dict[str, Any]:
    from app import create_app
    from emergency import accounts
    from emergency.spreadsheets import WorkbookTooLarge, check_xlsx
    from emergency.store import upgrade
    from tests.upload_bombs import xlsx_bomb

    bomb = xlsx_bomb(1_000_000)
    start = time.perf_counter()
    try:
        check_xlsx(bomb)
        refused_by = "nothing"
    except WorkbookTooLarge as err:
        refused_by = err.code
    check_s = time.perf_counter() - start

    start = time.perf_counter()
    try:
        check_xlsx(xlsx_bomb(1_000_000, dimension=False), max_uncompressed=2**40,
                   max_ratio=1e12)
    except WorkbookTooLarge:
        pass
    uncapped_count_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_DIR": Path(tmp),
                          "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                          "RIVER_CACHE_DIR": ROOT / "instance" / "cache"})
        with app.extensions["database"].session() as s:
            accounts.create_user(s, "bench", "bench-password-1", "admin", check_password=False,
                                 hash_method="pbkdf2:sha256:1000")
        client = app.test_client()
        token = client.post("/api/auth/token", json={"username": "bench",
                                                     "password": "bench-password-1"}
                            ).get_json()["token"]
        body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="m.xlsx"\r\n'
                b"Content-Type: application/octet-stream\r\n\r\n" + bomb + b"\r\n--B--\r\n")
        times = []
        for _ in range(3):  # the first request also warms the app up
            start = time.perf_counter()
            resp = client.post("/api/inventory/materials/import", data=body,
                               content_type="multipart/form-data; boundary=B",
                               headers={"Authorization": f"Bearer {token}"})
            times.append(time.perf_counter() - start)
        import_s, first_import_s = min(times), times[0]
        status = resp.status_code
        app.extensions["database"].engine.dispose()

    return {
        "title": "zip bomb (1 M rows, ~180 MB of sheet XML in a <1 MB XLSX) refused",
        "figures": {"bomb_kb": round(len(bomb) / 1024), "refused_by": refused_by,
                    "import_status": status, "check_s": round(check_s, 4),
                    "import_s": round(import_s, 3), "first_import_s": round(first_import_s, 3),
                    "uncapped_count_s": round(uncapped_count_s, 2)},
        "units": {"bomb_kb": "kB"},
        "targets": [{"figure": "import_s", "op": "<", "limit": 1.0,
                     "label": "a zip bomb is refused in under a second"}],
        "notes": ["import_s: the best of three requests, each with multipart parsing and the "
                  "bilingual refusal; first_import_s includes warming the app up",
                  "uncapped_count_s: the same sheet without a <dimension>, rows counted with "
                  "the caps lifted (inflating ~180 MB)"],
    }
