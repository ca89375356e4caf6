"""HTML pages: the province map (全省一张图) and the shared layout.

The map is built by :mod:`emergency.web.maps` and rendered once per process and language (the
bundled geodata does not change between requests); pages embed its header and body pieces, and load
its script from ``/map/script.<digest>.js`` (no inline script: the Content-Security-Policy of
:mod:`emergency.web.headers` allows none). The script file is cached like the layer files.

The heavy static layers (rivers, lakes, boundaries, land) are not in the page: it fetches them
from ``/map/layers/<key>.<digest>.json`` right after its first paint. The digest is the content
hash of the file, so a response may be cached for a year (``immutable``) and changed data comes
under a new URL; the ETag is the digest too (304 on ``If-None-Match``). The files are gzipped
once, when the geodata is loaded. Like every route, they need a logged-in user (the guard in
:mod:`emergency.web.auth`); ``private`` keeps shared caches from storing them.

Hooks for other parts of the app:

* ``register_map_layer(app, fn)`` adds a layer function ``fn(m, lang)`` to the province map;
* ``app.extensions["on_duty"]``: a callable returning who is on duty now
  (``{"officers": [...], "leader": ...}`` or None) for the header slot ``_on_duty.html``;
* ``app.extensions["notifications"]``: a callable returning ``{"unread": n}`` or None for the
  header's bell ``_bell.html``;
* ``NAV_ITEMS``: header links, shown only for endpoints that exist.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import folium
from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, url_for

from emergency.web import maps
from emergency.web.compress import accepts_gzip
from emergency.web.i18n import lang

bp = Blueprint("pages", __name__, template_folder="templates")
log = logging.getLogger(__name__)

# (endpoint, message key): header navigation; an entry appears once its endpoint exists.
NAV_ITEMS: list[tuple[str, str]] = [
    ("pages.map_page", "nav_map"),
    ("incident_pages.index", "nav_incidents"),
    ("rivers.index", "nav_rivers"),
    ("roster.index", "nav_duty"),
    ("drill_pages.index", "nav_drills"),
]


# The layers the page fetches rather than inlines (maps.FETCHABLE_LAYERS: all of them),
# and those it asks for from its <head> already (<link rel="preload">), before its scripts run.
FETCHED_LAYERS = maps.FETCHABLE_LAYERS
PRELOADED_LAYERS = ("rivers_key",)
LAYER_CACHE_CONTROL = "private, max-age=31536000, immutable"


@dataclass(frozen=True)
class ServedLayer:
    """A layer file as the route sends it: the JSON, and the same gzipped once."""

    file: maps.LayerFile
    gzipped: bytes


@dataclass(frozen=True)
class ServedScript:
    """The map's script as its route sends it, plain and gzipped."""

    digest: str
    body: bytes
    gzipped: bytes


class ProvinceMapCache:
    """The geodata and its layer files (once), the rendered map (once per language and
    basemap), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._geo: maps.ProvinceGeodata | None = None
        self._files: dict[str, ServedLayer] = {}
        self._rendered: dict[tuple, tuple[maps.MapParts, list[dict], str]] = {}
        self._scripts: dict[str, ServedScript] = {}  # by digest
        self.layers: list[Callable[[folium.Map, str], None]] = []

    def _load(self, app: Flask) -> maps.ProvinceGeodata:
        """The geodata and the layer files; call with the lock held."""
        if self._geo is None:
            network = app.extensions["rivers"].get()
            geo = maps.load_geodata(network.data, key_rivers=app.config["KEY_RIVERS"])
            self._files = {key: ServedLayer(f, gzip.compress(f.body, compresslevel=9, mtime=0))
                           for key, f in maps.layer_files(geo).items()}
            self._geo = geo
        return self._geo

    def layer(self, app: Flask, key: str) -> ServedLayer | None:
        if self._geo is None:
            with self._lock:
                self._load(app)
        return self._files.get(key)

    def urls(self, app: Flask, keys: Sequence[str] = FETCHED_LAYERS) -> dict[str, str]:
        """The current URL of each layer file in ``keys`` (call in a request)."""
        if self._geo is None:
            with self._lock:
                self._load(app)
        return self._urls(keys)

    def _urls(self, keys: Sequence[str]) -> dict[str, str]:
        return {name: url_for("pages.map_layer", name=name, digest=self._files[name].file.digest)
                for name in keys}

    def get(self, app: Flask, language: str) -> tuple[maps.MapParts, list[dict], str]:
        """The map's parts, its search index and its script's digest. Call in a request (the
        layer URLs are built with ``url_for``)."""
        cfg = app.config
        key = (language, cfg["BASEMAP_URL"], cfg["BASEMAP_ATTRIBUTION"],
               len(self.layers))
        found = self._rendered.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._rendered:
                geo = self._load(app)
                urls = self._urls(FETCHED_LAYERS)
                m = maps.province_map(geo, lang=language,
                                      basemap_url=cfg["BASEMAP_URL"],
                                      basemap_attribution=cfg["BASEMAP_ATTRIBUTION"],
                                      extra_layers=list(self.layers), layer_urls=urls)
                parts = maps.render_parts(
                    m, asset_url=lambda path: url_for("static", filename=f"vendor/{path}"))
                body = parts.script.encode()
                digest = hashlib.sha256(body).hexdigest()[:16]
                self._scripts[digest] = ServedScript(
                    digest, body, gzip.compress(body, compresslevel=9, mtime=0))
                self._rendered[key] = (parts, maps.search_entries(geo, language), digest)
            return self._rendered[key]

    def script(self, digest: str) -> ServedScript | None:
        return self._scripts.get(digest)


def register_map_layer(app: Flask, layer: Callable[[folium.Map, str], None]) -> None:
    """Add a layer function ``layer(m, lang)`` to the province map (rendered on next request)."""
    app.extensions["province_map"].layers.append(layer)


def init_pages(app: Flask) -> None:
    app.extensions["province_map"] = ProvinceMapCache()
    app.register_blueprint(bp)

    @app.context_processor
    def _layout() -> dict:
        return {"nav_items": [(ep, key) for ep, key in NAV_ITEMS if ep in app.view_functions],
                "on_duty": _provided("on_duty"), "bell": _provided("notifications"),
                "now_utc": datetime.now(UTC)}


def _provided(name: str) -> dict | None:
    provider = current_app.extensions.get(name)
    if provider is None:
        return None
    try:
        return provider()
    except Exception:  # noqa: BLE001 - a roster fault must not take the map page down
        log.exception("%s provider failed", name)
        return None


@bp.get("/map")
@bp.get("/")
def map_page():
    cache = current_app.extensions["province_map"]
    parts, search, digest = cache.get(current_app, lang())
    return render_template("map.html", map=parts, search_entries=search,
                           map_script=url_for("pages.map_script", digest=digest),
                           preload=cache.urls(current_app, PRELOADED_LAYERS).values())


@bp.get("/map/layers/<name>.<digest>.json")
def map_layer(name: str, digest: str):
    """One layer file of the province map (see the module docstring); 404 for a stale digest."""
    served = current_app.extensions["province_map"].layer(current_app, name)
    if served is None or served.file.digest != digest:
        abort(404)
    return _immutable(Response(mimetype="application/json"), digest, served.file.body,
                      served.gzipped)


def _immutable(resp: Response, digest: str, body: bytes, gzipped_body: bytes) -> Response:
    """A file named by its content hash: cached for a year, ETag = digest, gzipped if accepted.

    Sent without "Vary: Cookie" (emergency.web.static_cache.CACHEABLE_ENDPOINTS).
    """
    resp.headers["Cache-Control"] = LAYER_CACHE_CONTROL
    resp.vary.add("Accept-Encoding")
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    # the gzipped bytes differ from the plain ones: a weak ETag, as emergency.web.compress does
    resp.set_etag(digest, weak=gzipped)
    if request.if_none_match.contains_weak(digest):
        resp.status_code = 304
        return resp
    if gzipped:
        resp.set_data(gzipped_body)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp.set_data(body)
    return resp


@bp.get("/map/script.<digest>.js")
def map_script(digest: str):
    """The province map's folium script (one per language and layer set); 404 for a stale one."""
    served = current_app.extensions["province_map"].script(digest)
    if served is None:
        abort(404)
    return _immutable(Response(mimetype="text/javascript"), digest, served.body, served.gzipped)
