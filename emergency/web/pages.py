"""HTML pages: the province map (全省一张图) and the shared layout.

The map is built by :mod:`emergency.maps` and rendered once per process and language (the bundled
geodata does not change between requests); pages embed its header, body and script pieces.

Hooks for other parts of the app:

* ``register_map_layer(app, fn)`` adds a layer function ``fn(m, lang)`` to the province map;
* ``app.extensions["on_duty"]``: a callable returning who is on duty now
  (``{"officers": [...], "leader": ...}`` or None) for the header slot ``_on_duty.html``;
* ``NAV_ITEMS``: header links, shown only for endpoints that exist.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import folium
from flask import Blueprint, Flask, current_app, render_template

from emergency import maps
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


class ProvinceMapCache:
    """The geodata (once) and the rendered map (once per language and basemap), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._geo: maps.ProvinceGeodata | None = None
        self._rendered: dict[tuple, tuple[maps.MapParts, list[dict]]] = {}
        self.layers: list[Callable[[folium.Map, str], None]] = []

    def get(self, app: Flask, language: str) -> tuple[maps.MapParts, list[dict]]:
        cfg = app.config
        key = (language, cfg.get("BASEMAP_URL"), cfg.get("BASEMAP_ATTRIBUTION"),
               len(self.layers))
        found = self._rendered.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._rendered:
                if self._geo is None:
                    network = app.extensions["rivers"].get()
                    self._geo = maps.load_geodata(network.data, key_rivers=cfg.get("KEY_RIVERS"))
                m = maps.province_map(self._geo, lang=language,
                                      basemap_url=cfg.get("BASEMAP_URL"),
                                      basemap_attribution=cfg.get("BASEMAP_ATTRIBUTION"),
                                      extra_layers=list(self.layers))
                parts = maps.render_parts(m, base_url=f"{app.static_url_path}/vendor")
                self._rendered[key] = (parts, maps.search_entries(self._geo, language))
            return self._rendered[key]


def register_map_layer(app: Flask, layer: Callable[[folium.Map, str], None]) -> None:
    """Add a layer function ``layer(m, lang)`` to the province map (rendered on next request)."""
    app.extensions["province_map"].layers.append(layer)


def init_pages(app: Flask) -> None:
    app.config.setdefault("BASEMAP_ATTRIBUTION", os.environ.get("EEC_BASEMAP_ATTRIBUTION"))
    app.extensions["province_map"] = ProvinceMapCache()
    app.register_blueprint(bp)

    @app.context_processor
    def _layout() -> dict:
        return {"nav_items": [(ep, key) for ep, key in NAV_ITEMS if ep in app.view_functions],
                "on_duty": _on_duty(), "now_utc": datetime.now(UTC)}


def _on_duty() -> dict | None:
    provider = current_app.extensions.get("on_duty")
    if provider is None:
        return None
    try:
        return provider()
    except Exception:  # noqa: BLE001 - a roster fault must not take the map page down
        log.exception("on-duty provider failed")
        return None


@bp.get("/map")
@bp.get("/")
def map_page():
    parts, search = current_app.extensions["province_map"].get(current_app, lang())
    return render_template("map.html", map=parts, search_entries=search)
