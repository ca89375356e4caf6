"""Vendored front-end libraries (前端依赖): the files the map needs, served from static/vendor/.

The intranet has no internet, so no page may load a script, style or font from a CDN.
``flask --app app assets vendor`` (run by ``make setup``) copies them into ``static/vendor/``:

* from PyPI XStatic packages installed by requirements.txt (Leaflet, jQuery, Font Awesome,
  Leaflet.markercluster);
* from four npm tarballs fetched with ``npm pack`` at pinned versions and checked against their
  pinned sha512 integrity (Bootstrap 5.2.2 as folium uses it, Leaflet.awesome-markers, the
  Bootstrap 3 glyphicons that folium's default icons use, and Apache ECharts 5.6.0 for the
  incident page's charts);
* and folium's small icon-rotation stylesheet, generated here.

The result is recorded in ``static/vendor/manifest.json``; a second run with the same manifest
does nothing. ``emergency.web.maps.LOCAL_ASSETS`` names the files the map links to.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

# (XStatic module, vendor dir, {source path in the package: target path}); a trailing "/" copies
# a directory.
XSTATIC: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("leaflet", "leaflet", {"leaflet.js": "leaflet.js", "leaflet.css": "leaflet.css",
                            "images/": "images/"}),
    ("jquery", "jquery", {"jquery.min.js": "jquery.min.js"}),
    ("font_awesome", "fontawesome", {"css/all.min.css": "css/all.min.css",
                                     "webfonts/": "webfonts/", "LICENSE.txt": "LICENSE.txt"}),
    ("leaflet_markercluster", "markercluster", {
        "leaflet.markercluster.js": "leaflet.markercluster.js",
        "MarkerCluster.css": "MarkerCluster.css",
        "MarkerCluster.Default.css": "MarkerCluster.Default.css"}),
)

# (npm package, version, sha512 integrity, vendor dir, {path in the tarball: target path})
NPM: tuple[tuple[str, str, str, str, dict[str, str]], ...] = (
    ("bootstrap", "5.2.2",
     "sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
     "bootstrap", {"package/dist/css/bootstrap.min.css": "css/bootstrap.min.css",
                   "package/dist/js/bootstrap.bundle.min.js": "js/bootstrap.bundle.min.js",
                   "package/LICENSE": "LICENSE"}),
    ("leaflet.awesome-markers", "2.0.5",
     "sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA==",
     "awesome-markers", {"package/dist/leaflet.awesome-markers.css": "leaflet.awesome-markers.css",
                         "package/dist/leaflet.awesome-markers.min.js":
                             "leaflet.awesome-markers.min.js",
                         "package/dist/images/": "images/", "package/LICENSE": "LICENSE"}),
    # Its bootstrap.css is the glyphicons subset of Bootstrap 3.3.7 (fonts in ../fonts/).
    # The incident page's charts (observed vs forecast with the P5–P95 band); Apache-2.0.
    ("echarts", "5.6.0",
     "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==",
     "echarts", {"package/dist/echarts.min.js": "echarts.min.js", "package/LICENSE": "LICENSE",
                 "package/NOTICE": "NOTICE"}),
    ("glyphicons-only-bootstrap", "1.0.1",
     "sha512-A1zP7yDUC/3+GUFbVTaTw9X2xZWNPLMp0BOsAmkLoWmo1KaNpG1qGdPYo8JnzwGueJ2HQAYvlP9S9OcmcObzHA==",
     "glyphicons", {"package/css/bootstrap.css": "css/glyphicons.css",
                    "package/fonts/": "fonts/"}),
)

ROTATE_CSS = "folium/leaflet.awesome.rotate.css"


class VendorError(click.ClickException):
    pass


def manifest_hash() -> str:
    return hashlib.sha256(json.dumps([XSTATIC, NPM, ROTATE_CSS]).encode()).hexdigest()[:16]


def vendor_dir(app: Flask) -> Path:
    return Path(app.static_folder or "static") / "vendor"


def is_current(target: Path) -> bool:
    stamp = target / "manifest.json"
    if not stamp.exists():
        return False
    recorded = json.loads(stamp.read_text())
    return (recorded.get("hash") == manifest_hash()
            and all((target / f).exists() for f in recorded.get("files", [])))


def _copy(src: Path, dst: Path, files: list[str], root: Path) -> None:
    if src.is_dir():
        for path in sorted(src.rglob("*")):
            if path.is_file():
                _copy(path, dst / path.relative_to(src), files, root)
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    files.append(str(dst.relative_to(root)))


def _xstatic(target: Path, files: list[str]) -> None:
    for module, folder, mapping in XSTATIC:
        try:
            pkg = importlib.import_module(f"xstatic.pkg.{module}")
        except ImportError:
            raise VendorError(f"XStatic package {module} is not installed: "
                              "pip install -r requirements.txt") from None
        base = Path(pkg.BASE_DIR)
        for src, dst in mapping.items():
            source = base / src.rstrip("/")
            if not source.exists():
                raise VendorError(f"{module}: {src} not found in {base}")
            _copy(source, target / folder / dst.rstrip("/"), files, target)


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _npm_pack(name: str, version: str, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm is needed once to fetch the map's npm assets "
                          "(or copy static/vendor/ from a machine that has run make setup)")
    result = subprocess.run([npm, "pack", f"{name}@{version}", "--json", "--silent"],
                            cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise VendorError(f"npm pack {name}@{version} failed: {result.stderr.strip()[:500]}")
    start = result.stdout.find("[")
    filename = json.loads(result.stdout[start:])[0]["filename"]
    return workdir / filename


def _npm(target: Path, files: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, version, integrity, folder, mapping in NPM:
            tarball = _npm_pack(name, version, workdir)
            if _integrity(tarball) != integrity:
                raise VendorError(f"{name}@{version}: integrity mismatch, refusing to use it")
            extracted = workdir / folder
            with tarfile.open(tarball) as tar:
                tar.extractall(extracted, filter="data")
            for src, dst in mapping.items():
                source = extracted / src.rstrip("/")
                if not source.exists():
                    raise VendorError(f"{name}@{version}: {src} not in the package")
                _copy(source, target / folder / dst.rstrip("/"), files, target)


def rotate_css() -> str:
    """folium's Icon(angle=N) adds the class fa-rotate-N; rotate the icon by N degrees."""
    return "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(360)) + "\n"


def vendor(target: Path, *, force: bool = False) -> list[str]:
    """Populate ``target`` (static/vendor); returns the files written (empty if current)."""
    if not force and is_current(target):
        return []
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    files: list[str] = []
    try:
        _xstatic(staging, files)
        _npm(staging, files)
        (staging / ROTATE_CSS).parent.mkdir(parents=True, exist_ok=True)
        (staging / ROTATE_CSS).write_text(rotate_css())
        files.append(ROTATE_CSS)
        (staging / "manifest.json").write_text(json.dumps(
            {"hash": manifest_hash(), "files": sorted(files)}, indent=1))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return files


def asset_commands() -> AppGroup:
    """``flask assets …`` (registered by emergency/web/cli.py)."""

    @click.group("assets", cls=AppGroup)
    def assets() -> None:
        """Front-end libraries served by the app (no CDN)."""

    @assets.command("vendor")
    @click.option("--force", is_flag=True, help="copy again even if up to date")
    def assets_vendor(force: bool) -> None:
        """Copy Leaflet, Bootstrap, Font Awesome … into static/vendor/."""
        target = vendor_dir(current_app)
        written = vendor(target, force=force)
        click.echo(f"static/vendor: {len(written)} files written" if written
                   else "static/vendor up to date")
    return assets
