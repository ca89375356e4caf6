"""No merge-conflict markers in the tree: several people land on main every hour, and a marker
left in a template or stylesheet only shows when that page is opened."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |>{7} |\|{7} )", re.M)


def test_no_tracked_file_holds_a_conflict_marker():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix not in {".py", ".html", ".js", ".css", ".yaml", ".yml", ".md", ".txt",
                               ".toml", ".cfg", ".json"} or not path.is_file():
            continue
        text = path.read_text("utf-8", errors="replace")
        found += [f"{name}:{text.count(chr(10), 0, m.start()) + 1}"
                  for m in MARKER.finditer(text)]
    assert found == []
