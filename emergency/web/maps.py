"""The province map (全省一张图) as a ``folium.Map``. No Flask here.

Two steps, so that the expensive one runs once per process:

1. ``load_geodata(network)`` turns the bundled geodata (rivers from the network, lakes,
   administrative units, places) into small GeoJSON FeatureCollections: boundaries as lines
   with the clip-box edges removed, coordinates rounded (about 10 m for rivers, 100 m for
   boundaries), one feature per named river.
2. ``province_map(geo, lang=...)`` builds the map from layer functions. Each layer is a function
   ``add_<layer>(m, features, ...)``; more layers can be passed in ``extra_layers`` as callables
   ``(m, lang) -> None``. Inventory layers (risk sources, materials, teams) are *declared* here
   with ``add_api_markers`` and loaded by the page's JS from the JSON API, clustered.

The heavy static layers (rivers, lakes, boundaries, land: ~0.9 MB of GeoJSON) need not be
inlined in the page. ``layer_files(geo)`` gives each as compact, language-neutral JSON (both
names in the properties) with a content hash; ``province_map(geo, layer_urls={key: url})``
renders those layers as ``FetchedGeoJson``: styles, popups and tooltips stay folium's, worked
out from the same data at render time, but the features are fetched by the page at once and
drawn right after its first paint (``PageHandles``). The web layer serves the files under
hashed URLs that browsers may cache for good.

The map carries no CDN address: ``use_local_assets`` points every script and style of folium
and its plugins at the copies served under ``/static/vendor`` (``LOCAL_ASSETS``), and refuses
to render one it does not know. ``render_parts`` gives the header, body and script pieces to
embed in a page (folium ``docs/flask.rst``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from folium.utilities import JsCode
from shapely.geometry import LineString, MultiLineString, mapping, shape

from rivers.loader import DATA_DIR
from rivers.network import NetworkData, named_rivers

# ----------------------------------------------------------------------------- assets
# folium asset name -> path under the vendor URL. `flask assets vendor` (emergency.web.assets)
# produces exactly these files; a name missing here fails loudly at render time.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/js/bootstrap.bundle.min.js",
    "bootstrap_css": "bootstrap/css/bootstrap.min.css",
    "glyphicons_css": "glyphicons/css/glyphicons.css",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.min.js",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_rotate_css": "folium/leaflet.awesome.rotate.css",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
}


class UnservedAsset(LookupError):
    """A folium element wants a script or style that the app does not serve itself."""


def _elements(root: Element) -> Iterator[Element]:
    yield root
    for child in list(root._children.values()):
        yield from _elements(child)


def use_local_assets(m: folium.Map, base_url: str = "/static/vendor",
                     asset_url: Callable[[str], str] | None = None) -> folium.Map:
    """Point every JS/CSS link of ``m`` and its children at the app's own copies:
    ``asset_url(path)`` (the web layer's versioned URL), else ``base_url/path``.

    Set per instance (folium's lists are class attributes shared by every map).
    """
    base = base_url.rstrip("/")
    url_of = asset_url or (lambda path: f"{base}/{path}")
    for element in _elements(m):
        if not isinstance(element, JSCSSMixin):
            continue
        for attr in ("default_js", "default_css"):
            local = []
            for name, url in getattr(type(element), attr):
                if name not in LOCAL_ASSETS:
                    raise UnservedAsset(f"{type(element).__name__} needs {name} ({url}): add it "
                                        "to emergency.web.maps.LOCAL_ASSETS and vendor it")
                local.append((name, url_of(LOCAL_ASSETS[name])))
            setattr(element, attr, local)
    return m


@dataclass(frozen=True)
class MapParts:
    """A rendered map, in the pieces a page template places: <head>, <body>, <script>."""

    header: str
    html: str
    script: str
    map_name: str


# folium's global switches (L_NO_TOUCH, L_DISABLE_3D) as an inline <script> in the header; the
# values it writes (false, false) are Leaflet's defaults, so the page does without them.
_GLOBAL_SWITCHES = re.compile(
    r"<script>\s*L_NO_TOUCH = false;\s*L_DISABLE_3D = false;\s*</script>")
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


class InlineScript(ValueError):
    """A map part would put an inline script in the page (the CSP forbids one)."""


def render_parts(m: folium.Map, base_url: str = "/static/vendor",
                 asset_url: Callable[[str], str] | None = None) -> MapParts:
    """The rendered map; ``script`` is JavaScript for a file of its own, never inlined (CSP)."""
    use_local_assets(m, base_url, asset_url)
    root = m.get_root()
    root.render()
    header = _GLOBAL_SWITCHES.sub("", root.header.render())
    html = root.html.render()
    for name, part in (("header", header), ("html", html)):
        found = _INLINE_SCRIPT.search(part)
        if found:
            raise InlineScript(f"the map's {name} has an inline script: {found.group(0)}")
    return MapParts(header=header, html=html, script=root.script.render(),
                    map_name=m.get_name())


# ----------------------------------------------------------------------------- styles
# Basins (水系) by the prefix of the network's basin label, e.g. "松花江水系 (Songhua)".
BASIN_COLOURS: dict[str, str] = {  # in legend order
    "松花江": "#1565c0", "辽河": "#00897b", "鸭绿江": "#7b1fa2", "图们江": "#e65100",
    "绥芬河": "#c2185b", "乌苏里江": "#2e7d32", "大凌河": "#6d4c41",
}
OTHER_BASIN_COLOUR = "#78909c"
JILIN_LINE = "#b71c1c"
BACKGROUND = "#f3f5f7"

LABELS: dict[str, dict[str, str]] = {
    "rivers_key": {"zh": "重点河流", "en": "Key rivers"},
    "rivers_other": {"zh": "其他河流", "en": "Other rivers"},
    "lakes": {"zh": "湖泊水库", "en": "Lakes and reservoirs"},
    "nation": {"zh": "国界", "en": "National borders"},
    "province": {"zh": "省界", "en": "Provincial boundaries"},
    "prefecture": {"zh": "市(州)界", "en": "Prefecture boundaries"},
    "county": {"zh": "县(市、区)界", "en": "County boundaries"},
    "places": {"zh": "城镇", "en": "Towns and cities"},
    "risk_sources": {"zh": "风险源", "en": "Risk sources"},
    "materials": {"zh": "应急物资库", "en": "Materials depots"},
    "teams": {"zh": "应急队伍", "en": "Response teams"},
    "river": {"zh": "河流", "en": "River"},
    "basin": {"zh": "流域", "en": "Basin"},
    "length_km": {"zh": "全长(km)", "en": "Length (km)"},
    "length_in_jilin_km": {"zh": "省内长度(km)", "en": "In Jilin (km)"},
    "lake": {"zh": "湖泊/水库", "en": "Lake / reservoir"},
    "area_km2": {"zh": "面积(km²)", "en": "Area (km²)"},
    "place": {"zh": "地名", "en": "Place"},
    "level": {"zh": "级别", "en": "Level"},
    "unnamed": {"zh": "未命名河道", "en": "Unnamed channel"},
    "legend": {"zh": "流域", "en": "Basins"},
}
SETTLEMENT_LEVELS = {
    "province_capital": {"zh": "省会", "en": "provincial capital"},
    "prefecture_seat": {"zh": "市(州)政府驻地", "en": "prefecture seat"},
    "county_seat": {"zh": "县(市、区)政府驻地", "en": "county seat"},
    "ne_admin1_capital": {"zh": "邻省省会", "en": "neighbouring provincial capital"},
    "ne_populated_place": {"zh": "城镇", "en": "town"},
}


def label(key: str, lang: str) -> str:
    return LABELS[key].get(lang) or LABELS[key]["zh"]


def basin_parts(basin: str) -> tuple[str, str]:
    """'松花江水系 (Songhua)' -> ('松花江水系', 'Songhua'); the catch-all basin is 'Other'."""
    zh, _, rest = basin.partition(" (")
    zh = zh.strip()
    if zh.startswith("其他"):
        return "其他", "Other"
    en = rest.rstrip(")").split(";")[0].split(",")[0].strip()
    return zh, en or zh


def basin_colour(basin: str) -> str:
    for prefix, colour in BASIN_COLOURS.items():
        if basin.startswith(prefix):
            return colour
    return OTHER_BASIN_COLOUR


# ----------------------------------------------------------------------------- geodata
FeatureCollection = dict


def _fc(features: list[dict]) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": features}


def rounded(geom, digits: int) -> dict:
    """GeoJSON geometry with coordinates rounded to ``digits`` decimals (degrees)."""
    grid = 10.0 ** -digits
    geom = shapely.set_precision(geom, grid)
    out = mapping(geom)
    return json.loads(json.dumps(out), parse_float=lambda s: round(float(s), digits))


@dataclass
class ProvinceGeodata:
    """Everything the province map draws, prepared once (see ``load_geodata``)."""

    rivers_key: FeatureCollection
    rivers_other: FeatureCollection
    lakes: FeatureCollection
    boundaries: dict[str, FeatureCollection]     # nation, province, prefecture, county
    land: FeatureCollection                      # Jilin and foreign land (background fills)
    places: FeatureCollection
    basins: list[tuple[str, str, str]] = field(default_factory=list)  # zh, en, colour
    jilin_bounds: tuple[float, float, float, float] = (121.6, 40.8, 131.4, 46.4)


def river_features(data: NetworkData, key_rivers: set[str] | None = None, *, digits: int = 4
                   ) -> tuple[FeatureCollection, FeatureCollection]:
    """Rivers as (key, other) collections: one feature per named river and Jilin/outside part.

    ``key_rivers`` holds river names (name_zh); None means every named river is a key river
    until the plans (plans/) name the 53.
    """
    rivers = {r.name_zh: r for r in named_rivers(data)}
    groups: dict[tuple, list[int]] = {}
    for i, name in enumerate(data.name_zh):
        key = name is not None and (key_rivers is None or name in key_rivers)
        order = int(data.stream_order[i])
        group = (("key", name, bool(data.in_jilin[i])) if key else
                 ("other", name or "", data.basin[i], bool(data.in_jilin[i]), min(order, 3)))
        groups.setdefault(group, []).append(i)
    key_features, other_features = [], []
    for n, (group, segs) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
        lines = MultiLineString([LineString(data.coords_lonlat[i]) for i in segs])
        geometry = rounded(lines, digits)
        if group[0] == "key":
            river = rivers[group[1]]
            zh_basin, en_basin = basin_parts(river.basin)
            props = {"rid": river.id, "name_zh": river.name_zh,
                     "name_en": river.name_en or river.name_zh, "basin_zh": zh_basin,
                     "basin_en": en_basin, "length_km": river.length_km,
                     "length_in_jilin_km": river.length_in_jilin_km,
                     "colour": basin_colour(river.basin), "in_jilin": group[2]}
            key_features.append({"type": "Feature", "id": f"r{n}", "properties": props,
                                 "geometry": geometry})
        else:
            _, name, basin, in_jilin, order = group
            zh_basin, en_basin = basin_parts(basin)
            props = {"name_zh": name or LABELS["unnamed"]["zh"],
                     "name_en": name or LABELS["unnamed"]["en"],
                     "basin_zh": zh_basin, "basin_en": en_basin, "colour": basin_colour(basin),
                     "in_jilin": in_jilin, "order": order}
            other_features.append({"type": "Feature", "id": f"o{n}", "properties": props,
                                   "geometry": geometry})
    return _fc(key_features), _fc(other_features)


def _read(data_dir: Path, name: str) -> list[dict]:
    return json.loads((data_dir / name).read_text("utf-8"))["features"]


def _inner_box(geoms: Sequence, margin: float = 0.02):
    """The data's clip box shrunk a little: boundary lines along the box edges are artefacts."""
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return shapely.box(minx + margin, miny + margin, maxx - margin, maxy - margin)


def _boundary_lines(polys: Sequence, box, tolerance: float, digits: int) -> dict | None:
    if not polys:
        return None
    lines = shapely.union_all([shapely.boundary(shapely.make_valid(p)) for p in polys])
    lines = shapely.intersection(shapely.line_merge(lines), box)
    lines = shapely.simplify(lines, tolerance, preserve_topology=False)
    if lines.is_empty:
        return None
    return rounded(lines, digits)


ADMIN_FILES = {"nation": "admin_country.geojson", "province": "admin_province.geojson",
               "prefecture": "admin_prefecture.geojson", "county": "admin_county.geojson"}


def admin_features(data_dir: Path = DATA_DIR, *, tolerance: float = 0.002, digits: int = 3
                   ) -> tuple[dict[str, FeatureCollection], FeatureCollection,
                              tuple[float, float, float, float]]:
    """Boundary lines per level (Jilin's own and others' apart), land fills, Jilin's bounds."""
    read = {level: _read(data_dir, name) for level, name in ADMIN_FILES.items()}
    box = _inner_box([shape(f["geometry"]) for f in read["nation"]])  # the context clip box
    boundaries: dict[str, FeatureCollection] = {}
    for level, feats in read.items():
        if level == "nation":
            jilin, other = [], [shape(f["geometry"]) for f in feats]
        else:
            jilin = [shape(f["geometry"]) for f in feats if f["properties"].get("is_jilin")]
            other = [shape(f["geometry"]) for f in feats if not f["properties"].get("is_jilin")]
        features = []
        for part, polys in (("other", other), ("jilin", jilin)):
            geometry = _boundary_lines(polys, box, tolerance, digits)
            if geometry is not None:
                features.append({"type": "Feature", "id": f"{level}-{part}",
                                 "properties": {"part": part, "level": level},
                                 "geometry": geometry})
        boundaries[level] = _fc(features)
    jilin_poly = next(shape(f["geometry"]) for f in read["province"]
                      if f["properties"].get("is_jilin"))
    land = [{"type": "Feature", "id": "jilin", "properties": {"kind": "jilin"},
             "geometry": rounded(shapely.simplify(jilin_poly, tolerance), digits)}]
    for f in read["nation"]:
        if f["properties"].get("iso3") != "CHN":
            geom = shapely.simplify(shape(f["geometry"]), tolerance)
            land.append({"type": "Feature", "id": f"land-{f['properties']['iso3']}",
                         "properties": {"kind": "foreign"}, "geometry": rounded(geom, digits)})
    bounds = tuple(round(v, 3) for v in jilin_poly.bounds)
    return boundaries, _fc(land), bounds  # type: ignore[return-value]


def lake_features(data_dir: Path = DATA_DIR, *, digits: int = 4) -> FeatureCollection:
    features = []
    for n, f in enumerate(_read(data_dir, "lakes.geojson")):
        p = f["properties"]
        features.append({"type": "Feature", "id": f"l{n}", "properties": {
            "name_zh": p.get("name_zh") or "未命名湖泊",
            "name_en": p.get("name_en") or p.get("name_zh") or "unnamed lake",
            "area_km2": p.get("area_km2")}, "geometry": rounded(shape(f["geometry"]), digits)})
    return _fc(features)


LABELLED_PLACES = {"province_capital", "prefecture_seat", "ne_admin1_capital"}


def place_features(data_dir: Path = DATA_DIR, jilin=None) -> FeatureCollection:
    """Places; Natural Earth's places inside Jilin are left out (Jilin's own seats cover them:
    长春 would otherwise appear twice)."""
    features = []
    for n, f in enumerate(_read(data_dir, "places.geojson")):
        p = f["properties"]
        level = p.get("level", "ne_populated_place")
        lon, lat = f["geometry"]["coordinates"][:2]
        if (jilin is not None and level.startswith("ne_")
                and shapely.contains_xy(jilin, lon, lat)):
            continue
        features.append({"type": "Feature", "id": f"p{n}", "properties": {
            "name_zh": p.get("name_zh") or p.get("name_en"),
            "name_en": p.get("name_en") or p.get("name_zh"),
            "level": level, "labelled": level in LABELLED_PLACES,
            "in_jilin": p.get("province_zh") == "吉林省",
            "level_zh": SETTLEMENT_LEVELS.get(level, {}).get("zh", ""),
            "level_en": SETTLEMENT_LEVELS.get(level, {}).get("en", "")},
            "geometry": {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]}})
    return _fc(features)


def load_geodata(data: NetworkData, data_dir: Path = DATA_DIR,
                 key_rivers: set[str] | None = None) -> ProvinceGeodata:
    key, other = river_features(data, key_rivers)
    boundaries, land, bounds = admin_features(data_dir)
    order = list(BASIN_COLOURS)
    basins = sorted(set(data.basin), key=lambda b: next(
        (i for i, prefix in enumerate(order) if b.startswith(prefix)), len(order)))
    jilin = shape(next(f["geometry"] for f in land["features"] if f["id"] == "jilin"))
    shapely.prepare(jilin)
    return ProvinceGeodata(
        rivers_key=key, rivers_other=other, lakes=lake_features(data_dir),
        boundaries=boundaries, land=land, places=place_features(data_dir, jilin),
        basins=[(*basin_parts(b), basin_colour(b)) for b in basins], jilin_bounds=bounds)


def _bounds_of(geometry: dict) -> list[list[float]]:
    minx, miny, maxx, maxy = shape(geometry).bounds
    return [[round(miny, 4), round(minx, 4)], [round(maxy, 4), round(maxx, 4)]]


def search_entries(geo: ProvinceGeodata, lang: str) -> list[dict]:
    """What the search box finds: named rivers, lakes and places of Jilin, with where they are."""
    other = "en" if lang == "zh" else "zh"
    rivers: dict[str, dict] = {}
    for f in geo.rivers_key["features"]:
        p = f["properties"]
        entry = rivers.setdefault(p["rid"], {
            "kind": "river", "id": p["rid"], "label": p[f"name_{lang}"],
            "alt": p[f"name_{other}"], "bounds": _bounds_of(f["geometry"])})
        if p["in_jilin"]:
            entry["bounds"] = _bounds_of(f["geometry"])
    entries = list(rivers.values())
    for f in geo.lakes["features"]:
        p = f["properties"]
        entries.append({"kind": "lake", "id": f["id"], "label": p[f"name_{lang}"],
                        "alt": p[f"name_{other}"], "bounds": _bounds_of(f["geometry"])})
    for f in geo.places["features"]:
        p = f["properties"]
        if p["in_jilin"] or p["labelled"]:
            lon, lat = f["geometry"]["coordinates"]
            entries.append({"kind": "place", "id": f["id"], "label": p[f"name_{lang}"],
                            "alt": p[f"name_{other}"], "latlng": [lat, lon]})
    return entries


# ----------------------------------------------------------------------------- layer files
# Layers the page may fetch instead of inlining, in the order the page asks for them: key rivers
# first (the officer's first look), then what frames them. Places stay in the page (labels, and
# small); so does everything when no URLs are given.
FETCHABLE_LAYERS = ("rivers_key", "province", "land", "prefecture", "rivers_other", "lakes",
                    "county", "nation")


@dataclass(frozen=True)
class LayerFile:
    """One layer's features as served to the page: compact UTF-8 JSON and its content hash.

    The JSON is language-neutral (``name_zh`` and ``name_en`` side by side), so one file
    serves both languages; ``digest`` (16 hex digits of its SHA-256) goes into the URL and the
    ETag, so changed data is a new URL.
    """

    key: str
    body: bytes
    digest: str

    @property
    def filename(self) -> str:
        return f"{self.key}.{self.digest}.json"


def layer_collections(geo: ProvinceGeodata) -> dict[str, FeatureCollection]:
    """The collections behind ``FETCHABLE_LAYERS`` (the very objects the layers are built on)."""
    found = {"rivers_key": geo.rivers_key, "rivers_other": geo.rivers_other,
             "lakes": geo.lakes, "land": geo.land, **geo.boundaries}
    return {key: found[key] for key in FETCHABLE_LAYERS}


def encode_layer(key: str, features: FeatureCollection) -> LayerFile:
    body = json.dumps(features, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return LayerFile(key, body, hashlib.sha256(body).hexdigest()[:16])


def layer_files(geo: ProvinceGeodata) -> dict[str, LayerFile]:
    return {key: encode_layer(key, fc) for key, fc in layer_collections(geo).items()}


class FetchedGeoJson(folium.GeoJson):
    """A ``folium.GeoJson`` whose features the page fetches from ``url`` instead of inlining.

    Everything else is folium's own script, rendered from ``data`` (the same collection the URL
    serves: the style switch keys on feature ids, the popup and tooltip fields are checked
    against its properties), with an empty collection in place of the inline data. folium's
    ``embed=False`` would load the URL with a synchronous jQuery request, blocking the page;
    ``PageHandles`` fetches it instead and calls ``addData``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.script_without_data(kwargs) }}
        {% endmacro %}
    """)

    def __init__(self, data: FeatureCollection, url: str, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.url = url

    def script_without_data(self, kwargs: dict) -> str:
        data, self.data = self.data, _fc([])
        try:
            return folium.GeoJson._template.module.script(self, kwargs)
        finally:
            self.data = data


def _geojson(features: FeatureCollection, url: str | None, **kwargs) -> folium.GeoJson:
    """Inline when ``url`` is None, else fetched from ``url`` by the page."""
    if url is None:
        return folium.GeoJson(features, **kwargs)
    return FetchedGeoJson(features, url, **kwargs)


# ----------------------------------------------------------------------------- layers
# Drawing order (Leaflet panes, z-index between the tile pane 200 and the marker pane 600), so
# the layer control can list layers in reading order while rivers stay above boundaries.
PANES = {"eec-land": 380, "eec-boundaries": 405, "eec-water": 410, "eec-rivers-other": 415,
         "eec-rivers-key": 420, "eec-places": 430, "eec-inventory": 440}


# folium's GeoJsonTooltip/GeoJsonPopup build their table as an HTML string from the feature's
# properties (div.innerHTML): here the same table is built from text nodes, so no name in the
# data can ever become markup.
_TEXT_DETAIL = """
    function (layer) {
        var div = L.DomUtil.create("div");
        var fields = {{ this.fields|tojson }}, aliases = {{ this.aliases|tojson }};
        var table = document.createElement("table");
        fields.forEach(function (field, i) {
            var value = layer.feature.properties[field], row = table.insertRow();
            {%- if this.labels %}
            var th = document.createElement("th");
            th.textContent = aliases[i];
            row.appendChild(th);
            {%- endif %}
            var td = document.createElement("td");
            td.textContent = value === null || value === undefined ? ""
                : typeof value === "object" ? JSON.stringify(value)
                : {{ "value.toLocaleString()" if this.localize else "String(value)" }};
            row.appendChild(td);
        });
        div.appendChild(table);
        return div;
    }
"""


class TextTooltip(folium.GeoJsonTooltip):
    """``folium.GeoJsonTooltip`` whose content is text only (see ``_TEXT_DETAIL``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(""" + _TEXT_DETAIL + """,
            {{ this.tooltip_options|tojson }});
        {% endmacro %}
    """)


class TextPopup(folium.GeoJsonPopup):
    """``folium.GeoJsonPopup`` whose content is text only (see ``_TEXT_DETAIL``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup(""" + _TEXT_DETAIL + """,
            {{ this.popup_options|tojson }});
        {% endmacro %}
    """)


def add_panes(m: folium.Map) -> None:
    for name, z_index in PANES.items():
        folium.map.CustomPane(name, z_index=z_index, pointer_events=False).add_to(m)


def base_map(geo: ProvinceGeodata, *, basemap_url: str | None = None,
             basemap_attribution: str | None = None) -> folium.Map:
    """An empty map fitted to Jilin; a tile basemap only when one is configured."""
    minx, miny, maxx, maxy = geo.jilin_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None,
                   min_zoom=5, max_zoom=14, control_scale=True, prefer_canvas=False,
                   zoom_snap=0.25, zoom_delta=0.5)
    m.options.update(minZoom=5, maxZoom=14)  # without tiles folium sets neither; clusters need it
    if basemap_url:
        folium.TileLayer(basemap_url, attr=basemap_attribution or " ", name="basemap",
                         control=False, max_zoom=18).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(4, 4))
    return m


def add_land(m: folium.Map, features: FeatureCollection, url: str | None = None
             ) -> folium.GeoJson:
    """Background fills: Jilin white, foreign countries grey (not in the layer control)."""
    return _geojson(
        features, url, name="land", control=False, interactive=False, pane="eec-land",
        style_function=lambda f: (
            {"fillColor": "#ffffff", "fillOpacity": 0.85, "stroke": False}
            if f["properties"]["kind"] == "jilin"
            else {"fillColor": "#cfd6dc", "fillOpacity": 0.55, "stroke": False}),
    ).add_to(m)


BOUNDARY_STYLES = {
    ("county", "jilin"): {"color": "#90a4ae", "weight": 0.8, "dashArray": "2 3"},
    ("county", "other"): {"color": "#b0bec5", "weight": 0.6, "dashArray": "2 3"},
    ("prefecture", "jilin"): {"color": "#546e7a", "weight": 1.4, "dashArray": "6 3"},
    ("prefecture", "other"): {"color": "#90a4ae", "weight": 1.0, "dashArray": "6 3"},
    ("province", "jilin"): {"color": JILIN_LINE, "weight": 3.0},
    ("province", "other"): {"color": "#78909c", "weight": 1.6},
    ("nation", "other"): {"color": "#37474f", "weight": 2.4, "dashArray": "10 4 2 4"},
}


def add_boundaries(m: folium.Map, level: str, features: FeatureCollection, lang: str, *,
                   show: bool = True, url: str | None = None) -> folium.GeoJson:
    """One administrative level's boundary lines; Jilin's own drawn on top, emphasised."""
    return _geojson(
        features, url, name=label(level, lang), show=show, interactive=False,
        pane="eec-boundaries",
        style_function=lambda f: {"opacity": 1.0, **BOUNDARY_STYLES[
            (f["properties"]["level"], f["properties"]["part"])]},
    ).add_to(m)


def add_lakes(m: folium.Map, features: FeatureCollection, lang: str, url: str | None = None
              ) -> folium.GeoJson:
    return _geojson(
        features, url, name=label("lakes", lang), pane="eec-water",
        style_function=lambda f: {"color": "#4a90c2", "weight": 1, "fillColor": "#a9d3f0",
                                  "fillOpacity": 0.9},
        popup=TextPopup(fields=[f"name_{lang}", "area_km2"],
                                  aliases=[label("lake", lang), label("area_km2", lang)]),
        tooltip=TextTooltip(fields=[f"name_{lang}"], labels=False),
    ).add_to(m)


def add_other_rivers(m: folium.Map, features: FeatureCollection, lang: str,
                     url: str | None = None) -> folium.GeoJson:
    """Rivers not in a plan: thin, in their basin's colour, paler outside Jilin."""
    return _geojson(
        features, url, name=label("rivers_other", lang), pane="eec-rivers-other",
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": {1: 0.8, 2: 1.1, 3: 1.5}[f["properties"]["order"]],
            "opacity": 0.75 if f["properties"]["in_jilin"] else 0.35},
        tooltip=TextTooltip(fields=[f"name_{lang}", f"basin_{lang}"], labels=False),
    ).add_to(m)


def add_key_rivers(m: folium.Map, features: FeatureCollection, lang: str,
                   url: str | None = None) -> folium.GeoJson:
    """Key rivers (重点河流): thick, coloured by basin, with a popup of the essentials."""
    layer = _geojson(
        features, url, name=label("rivers_key", lang), pane="eec-rivers-key",
        style_function=lambda f: {"color": f["properties"]["colour"],
                                  "weight": 3.2 if f["properties"]["in_jilin"] else 2.2,
                                  "opacity": 0.95 if f["properties"]["in_jilin"] else 0.5},
        highlight_function=lambda f: {"weight": 6, "opacity": 1.0},
        popup=TextPopup(
            fields=[f"name_{lang}", f"basin_{lang}", "length_km", "length_in_jilin_km"],
            aliases=[label(k, lang) for k in ("river", "basin", "length_km",
                                              "length_in_jilin_km")]),
        tooltip=TextTooltip(fields=[f"name_{lang}"], labels=False),
    )
    layer.add_to(m)
    return layer


def add_places(m: folium.Map, features: FeatureCollection, lang: str) -> None:
    """Towns: prefecture seats (and neighbouring capitals) labelled; the rest as dots."""
    group = folium.FeatureGroup(name=label("places", lang)).add_to(m)
    labelled = _fc([f for f in features["features"] if f["properties"]["labelled"]])
    dots = _fc([f for f in features["features"] if not f["properties"]["labelled"]])
    folium.GeoJson(
        dots, control=False,
        marker=folium.CircleMarker(radius=2.5, weight=1, fill=True, fill_opacity=1),
        # the pane travels in the style: folium copies it into each marker's options
        style_function=lambda f: ({"color": "#455a64", "fillColor": "#ffffff",
                                   "pane": "eec-places"}
                                  if f["properties"]["in_jilin"]
                                  else {"color": "#90a4ae", "fillColor": "#eceff1",
                                        "pane": "eec-places"}),
        tooltip=TextTooltip(fields=[f"name_{lang}", f"level_{lang}"], labels=False),
    ).add_to(group)
    folium.GeoJson(
        labelled, control=False,
        marker=folium.CircleMarker(radius=4.5, weight=2, fill=True, fill_opacity=1),
        style_function=lambda f: ({"color": "#263238", "pane": "eec-places", "radius": 6,
                                   "fillColor": "#e53935"}
                                  if f["properties"]["level"] == "province_capital"
                                  else {"color": "#263238", "fillColor": "#ffeb3b",
                                        "pane": "eec-places"}
                                  if f["properties"]["in_jilin"]
                                  else {"color": "#78909c", "fillColor": "#ffffff",
                                        "pane": "eec-places"}),
        # a permanent label per place (a GeoJsonTooltip would be one tooltip for the layer)
        on_each_feature=JsCode(f"""function (feature, layer) {{
            var span = document.createElement("span");
            span.textContent = feature.properties.name_{lang};
            layer.bindTooltip(span, {{permanent: true, direction: "right", offset: [6, 0],
                className: feature.properties.in_jilin ? "eec-place-label"
                                                      : "eec-place-label eec-place-foreign"}});
        }}"""),
    ).add_to(group)


class ApiMarkerLayer(JSCSSMixin, MacroElement):
    """A clustered marker layer that the page loads from a JSON API (skipped if unavailable).

    Only a declaration is rendered (``EEC_API_LAYERS``); ``static/js/map_page.js`` fetches the
    URL, reads points from GeoJSON or from lists of objects with lon/lat, and adds a
    ``L.markerClusterGroup`` to the layer control.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (window.EEC_API_LAYERS = window.EEC_API_LAYERS || []).push({{ this.spec|tojson }});
        {% endmacro %}
    """)
    default_js = [("markerclusterjs", "markercluster/leaflet.markercluster.js")]
    default_css = [("markerclustercss", "markercluster/MarkerCluster.css"),
                   ("markerclusterdefaultcss", "markercluster/MarkerCluster.Default.css")]

    def __init__(self, key: str, url: str, name: str, colour: str, show: bool = True) -> None:
        super().__init__()
        self._name = "ApiMarkerLayer"
        self.spec = {"key": key, "url": url, "name": name, "colour": colour, "show": show}


def add_api_markers(m: folium.Map, key: str, url: str, lang: str, colour: str,
                    show: bool = True) -> ApiMarkerLayer:
    layer = ApiMarkerLayer(key, url, label(key, lang) if key in LABELS else key, colour, show)
    layer.add_to(m)
    return layer


INVENTORY_LAYERS = (("risk_sources", "/api/risk-sources", "#d32f2f"),
                    ("materials", "/api/materials", "#1976d2"),
                    ("teams", "/api/teams", "#388e3c"))


class Legend(MacroElement):
    """Basin colours, bottom left (built from text nodes)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (spec) {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "eec-legend leaflet-bar");
                var title = document.createElement("strong");
                title.textContent = spec.title;
                div.appendChild(title);
                spec.entries.forEach(function (entry) {
                    var row = document.createElement("div"), swatch = document.createElement("i");
                    swatch.style.background = entry.colour;
                    row.appendChild(swatch);
                    row.appendChild(document.createTextNode(entry.text));
                    div.appendChild(row);
                });
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })({{ this.spec|tojson }});
        {% endmacro %}
    """)

    def __init__(self, title: str, entries: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Legend"
        self.spec = {"title": title,
                     "entries": [{"text": t, "colour": c} for t, c in entries]}


class PageHandles(MacroElement):
    """Publishes the map, its layer control and named layers as ``window.EEC_MAP`` for page JS,
    and loads the fetched layers.

    ``layers`` is in the order the layers were added to the map (their drawing order within a
    pane). ``fetched`` lists ``(key, url)`` of the layers (``FetchedGeoJson`` in ``layers``)
    whose features come from ``url``: all are requested at once, in that order (the first with
    high priority); each is drawn once its JSON has arrived and the page has painted, so the
    page shows before the bulk of the data is parsed and drawn, and restacked into map order.
    ``EEC_MAP.loaded[key]`` is a promise of the layer with its features (null if the request
    failed); the document gets an ``eec:layer-loaded`` event (``detail.key``) and the
    performance timeline a mark ``eec:layer:<key>`` as each is drawn.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.EEC_MAP = {
            map: {{ this._parent.get_name() }},
            control: {{ this.control.get_name() }},
            layers: { {%- for key, layer in this.layers.items() %}
                {{ key|tojson }}: {{ layer.get_name() }}{{ "," if not loop.last }}
            {%- endfor %} },
            lang: {{ this.lang|tojson }},
            loaded: {}
        };
        {%- if this.fetched %}
        (function (handles, sources) {
            /* after the first paint (a frame, then a task); a hidden tab has no frames: 1 s */
            var painted = new Promise(function (resolve) {
                requestAnimationFrame(function () { setTimeout(resolve, 0); });
                setTimeout(resolve, 1000);
            });
            /* Layers sharing a pane draw in the order they were added to the map (the
               boundaries: county, prefecture, province, nation); they may arrive in any order. */
            function restack(source) {
                sources.filter(function (s) { return s.rank > source.rank && s.drawn; })
                    .sort(function (a, b) { return a.rank - b.rank; })
                    .forEach(function (s) { handles.layers[s.key].bringToFront(); });
            }
            sources.forEach(function (source, i) {
                var layer = handles.layers[source.key];
                var data = fetch(source.url, {credentials: "same-origin",
                                              priority: i === 0 ? "high" : "auto"})
                    .then(function (resp) {
                        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
                        return resp.json();
                    });
                handles.loaded[source.key] = Promise.all([data, painted]).then(function (got) {
                    layer.addData(got[0]);
                    source.drawn = true;
                    restack(source);
                    if (window.performance && performance.mark) {
                        performance.mark("eec:layer:" + source.key);
                    }
                    document.dispatchEvent(new CustomEvent("eec:layer-loaded",
                                                           {detail: {key: source.key}}));
                    return layer;
                }).catch(function (err) {  /* the layer stays empty; say why in the console */
                    if (window.console) {
                        console.warn("layer " + source.key + " not loaded:", err);
                    }
                    return null;
                });
            });
        })(EEC_MAP, {{ this.fetched|tojson }});
        {%- endif %}
        {% endmacro %}
    """)

    def __init__(self, control: folium.LayerControl, layers: dict[str, Element],
                 lang: str, fetched: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self._name = "PageHandles"
        self.control, self.layers, self.lang = control, layers, lang
        order = list(layers)  # the order the layers were added to the map
        self.fetched = [{"key": key, "url": url, "rank": order.index(key)}
                        for key, url in fetched]


LayerFn = Callable[[folium.Map, str], None]


def province_map(geo: ProvinceGeodata, *, lang: str = "zh", basemap_url: str | None = None,
                 basemap_attribution: str | None = None,
                 extra_layers: Sequence[LayerFn] = (),
                 api_layers: Sequence[tuple[str, str, str]] = INVENTORY_LAYERS,
                 layer_urls: Mapping[str, str] | None = None) -> folium.Map:
    """The province overview: boundaries, lakes, rivers by basin, places, inventory layers.

    ``layer_urls`` maps keys of ``FETCHABLE_LAYERS`` to the URLs that serve their
    ``layer_files``: those layers are fetched by the page, the others inlined.
    """
    urls = dict(layer_urls or {})
    unknown = set(urls) - set(FETCHABLE_LAYERS)
    if unknown:
        raise ValueError(f"not fetchable layers: {sorted(unknown)}")
    m = base_map(geo, basemap_url=basemap_url, basemap_attribution=basemap_attribution)
    m.get_root().header.add_child(Element(
        f"<style>.folium-map.leaflet-container{{background:{BACKGROUND}}}</style>"),
        name="eec_map_background")
    add_panes(m)
    layers: dict[str, Element] = {"land": add_land(m, geo.land, urls.get("land"))}
    # the layer control lists overlays in the order they are added; panes decide drawing order
    layers["rivers_key"] = add_key_rivers(m, geo.rivers_key, lang, urls.get("rivers_key"))
    layers["rivers_other"] = add_other_rivers(m, geo.rivers_other, lang,
                                              urls.get("rivers_other"))
    layers["lakes"] = add_lakes(m, geo.lakes, lang, urls.get("lakes"))
    add_places(m, geo.places, lang)
    for add in extra_layers:
        add(m, lang)
    for key, url, colour in api_layers:
        add_api_markers(m, key, url, lang, colour)
    for level in ("county", "prefecture", "province", "nation"):
        layers[level] = add_boundaries(m, level, geo.boundaries[level], lang,
                                       url=urls.get(level))
    control = folium.LayerControl(collapsed=False, position="topright").add_to(m)
    Legend(label("legend", lang),
           [(zh if lang == "zh" else en, colour) for zh, en, colour in geo.basins]).add_to(m)
    PageHandles(control, layers, lang,
                fetched=[(key, urls[key]) for key in FETCHABLE_LAYERS if key in urls]).add_to(m)
    return m
