"""The province map page: layers, no CDN, size budget, languages, and the module behind it."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser

import folium
import folium.plugins
import pytest

from emergency import maps

CDN_URL = re.compile(r"^(https?:)?//", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


class _Links(HTMLParser):
    """Every src/href attribute, inline CSS url() and inline-script text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)
            if name == "style" and value:
                self.urls.extend(CSS_URL.findall(value))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls.extend(CSS_URL.findall(data))


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def _shows(html: str, text: str) -> bool:
    """Text in the page, as HTML or inside folium's script (JSON with \\u escapes)."""
    return text in html or json.dumps(text)[1:-1] in html


@pytest.fixture
def page_html(client) -> str:
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_the_map_page_shows_the_system_name_layers_and_search(page_html):
    assert "生态环境风险应急指挥系统" in page_html
    for layer in ("重点河流", "其他河流", "湖泊水库", "国界", "省界", "市(州)界", "县(市、区)界",
                  "城镇"):
        assert _shows(page_html, layer), layer
    assert "window.EEC_MAP" in page_html and "L.control.layers" in page_html
    assert 'id="eec-search-input"' in page_html and "第二松花江" in page_html
    for url in ("/api/risk-sources", "/api/materials", "/api/teams"):
        assert url in page_html  # clustered layers the page loads from the API
    assert '<meta name="csrf-token"' in page_html


def test_slash_and_map_are_the_same_page(client):
    assert client.get("/map").status_code == 200


def test_no_script_style_or_font_comes_from_a_cdn(page_html):
    urls = _links(page_html)
    assert any(u.endswith("/leaflet/leaflet.js") for u in urls)
    offsite = [u for u in urls if CDN_URL.match(u)]
    assert offsite == []
    assert not re.search(r"https?://", page_html), re.findall(r"https?://\S{0,60}", page_html)


def test_every_linked_asset_is_served_by_the_app(client, page_html):
    assets = [u for u in _links(page_html) if u.startswith("/static/")]
    assert len(assets) >= 12
    for url in assets:
        with client.get(url) as resp:
            assert resp.status_code == 200, f"{url}: run `make setup` (flask assets vendor)"


def test_vendored_stylesheets_do_not_reach_out_either(client, page_html):
    for url in (u for u in _links(page_html) if u.endswith(".css")):
        with client.get(url) as resp:
            css = resp.get_data(as_text=True)
        offsite = [u for u in CSS_URL.findall(css) if CDN_URL.match(u)]
        assert offsite == [], url


def test_the_page_and_its_assets_stay_within_the_size_budget(client, page_html):
    raw = len(page_html.encode())
    resp = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.vary
    page_gz = len(resp.data)
    assert gzip.decompress(resp.data).decode() .count("window.EEC_MAP") == 1
    assets_gz = 0
    for url in (u for u in _links(page_html) if u.startswith("/static/")):
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as asset:
            assets_gz += len(asset.data)
    # measured: page ~1.0 MB raw, ~0.25 MB gzipped; scripts and styles ~0.3 MB gzipped
    assert raw < 1_600_000
    assert page_gz < 450_000
    assert page_gz + assets_gz < 1_500_000, (page_gz, assets_gz)


def test_small_responses_are_not_compressed(client):
    resp = client.get("/api/auth/me", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in resp.headers and resp.get_json()["role"] == "admin"


def test_english_on_request_and_remembered(client):
    resp = client.get("/?lang=en")
    html = resp.get_data(as_text=True)
    assert "Key rivers" in html and "Environmental Emergency Command System" in html
    assert "lang=en" in resp.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert "重点河流" in client.get("/?lang=zh").get_data(as_text=True)


def test_the_map_is_rendered_once_per_language(app, client):
    client.get("/")
    client.get("/")
    client.get("/?lang=en")
    assert len(app.extensions["province_map"]._rendered) == 2


def test_the_on_duty_slot_is_empty_without_a_roster_and_filled_with_one(app, client):
    app.extensions["on_duty"] = lambda: None
    assert 'id="eec-on-duty"' not in client.get("/").get_data(as_text=True)
    app.extensions["on_duty"] = lambda: {"none": True, "leader": None, "officers": [],
                                         "message_zh": "今日未排班", "message_en": "nobody"}
    assert "今日未排班" in client.get("/").get_data(as_text=True)
    app.extensions["on_duty"] = lambda: {"leader": "王局长", "officers": ["李明", "赵静"]}
    html = client.get("/").get_data(as_text=True)
    assert 'id="eec-on-duty"' in html and "王局长" in html and "李明、赵静" in html


def test_a_failing_roster_does_not_break_the_page(app, client, caplog):
    def broken():
        raise RuntimeError("roster down")

    app.extensions["on_duty"] = broken
    assert client.get("/").status_code == 200


def test_an_extra_layer_registered_by_another_module_appears(app, client):
    from emergency.web.pages import register_map_layer

    def add_sites(m, lang):
        folium.GeoJson({"type": "FeatureCollection", "features": []},
                       name="拦截点" if lang == "zh" else "Intercept sites").add_to(m)

    register_map_layer(app, add_sites)
    assert _shows(client.get("/").get_data(as_text=True), "拦截点")


def test_a_configured_basemap_is_used(app, client):
    app.config["BASEMAP_URL"] = "/tiles/{z}/{x}/{y}.png"
    app.config["BASEMAP_ATTRIBUTION"] = "内网瓦片"
    html = client.get("/").get_data(as_text=True)
    assert _shows(html, "/tiles/{z}/{x}/{y}.png") and _shows(html, "内网瓦片")


# ----------------------------------------------------------------------------- emergency.maps
@pytest.fixture(scope="module")
def geo(network):
    return maps.load_geodata(network.data)


def test_key_rivers_are_one_feature_per_named_river_coloured_by_basin(geo):
    features = geo.rivers_key["features"]
    names = {f["properties"]["name_zh"] for f in features}
    assert "第二松花江" in names and "鸭绿江" in names and len(names) >= 40
    yalu = next(f for f in features if f["properties"]["name_zh"] == "鸭绿江")
    assert yalu["properties"]["colour"] == maps.BASIN_COLOURS["鸭绿江"]
    assert yalu["properties"]["basin_en"] == "Yalu"


def test_the_key_river_list_can_come_from_the_plans(network):
    key, other = maps.river_features(network.data, key_rivers={"第二松花江"})
    assert {f["properties"]["name_zh"] for f in key["features"]} == {"第二松花江"}
    assert any(f["properties"]["name_zh"] == "鸭绿江" for f in other["features"])


def test_boundaries_are_lines_without_the_clip_box_edges(geo):
    for level in ("nation", "province", "prefecture"):
        for feature in geo.boundaries[level]["features"]:
            xs = [x for line in feature["geometry"]["coordinates"] for x, _ in line] \
                if feature["geometry"]["type"] == "MultiLineString" else \
                [x for x, _ in feature["geometry"]["coordinates"]]
            assert min(xs) > 119.5 and max(xs) < 133.5, (level, feature["id"])
    jilin = [f for f in geo.boundaries["province"]["features"]
             if f["properties"]["part"] == "jilin"]
    assert len(jilin) == 1


def test_places_keep_jilin_seats_and_drop_duplicates_inside_jilin(geo):
    names = [f["properties"]["name_zh"] for f in geo.places["features"]]
    assert names.count("长春市") == 1
    labelled = {f["properties"]["name_zh"] for f in geo.places["features"]
                if f["properties"]["labelled"] and f["properties"]["in_jilin"]}
    assert {"长春市", "吉林市", "四平市", "白山市"} <= labelled


def test_the_map_is_a_folium_map_that_renders_to_page_parts(geo):
    m = maps.province_map(geo, lang="en")
    assert isinstance(m, folium.Map)
    parts = maps.render_parts(m, base_url="/assets")
    assert '<script src="/assets/leaflet/leaflet.js"></script>' in parts.header
    assert parts.map_name in parts.html and "Key rivers" in parts.script


def test_local_assets_do_not_change_folium_defaults_for_other_maps(geo):
    maps.render_parts(maps.province_map(geo))
    assert folium.Map.default_js[0][1].startswith("https://")  # class lists untouched


def test_a_plugin_without_a_local_copy_refuses_to_render(geo):
    m = maps.province_map(geo)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(maps.UnservedAsset, match="Fullscreen"):
        maps.render_parts(m)


def test_the_search_index_lists_rivers_lakes_and_places_with_where_they_are(geo):
    entries = maps.search_entries(geo, "zh")
    second = next(e for e in entries if e["label"] == "第二松花江")
    assert second["kind"] == "river" and second["alt"]
    (south, west), (north, east) = second["bounds"]
    assert 41 < south < north < 46 and 124 < west < east < 128
    changchun = next(e for e in entries if e["label"] == "长春市")
    assert changchun["kind"] == "place" and changchun["latlng"][0] == pytest.approx(43.88, 0.01)
