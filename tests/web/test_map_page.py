"""The province map page: layers, no CDN, size budget, languages, and the module behind it."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser

import folium
import folium.plugins
import pytest

from emergency.web import maps

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


LAYER_URL = re.compile(r'"(/map/layers/([a-z_]+)\.([0-9a-f]{16})\.json)"')
SCRIPT_URL = re.compile(r'<script src="(/map/script\.[0-9a-f]{16}\.js)"></script>')


def _with_script(client, html: str) -> str:
    """The page and the map script it loads (folium's script is a file of its own: CSP)."""
    url = SCRIPT_URL.search(html).group(1)
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    return html + "\n" + resp.get_data(as_text=True)


def _layer_urls(html: str) -> dict[str, str]:
    """The layer files a page fetches, by layer key."""
    return {key: url for url, key, _ in LAYER_URL.findall(html)}


@pytest.fixture
def page_html(client) -> str:
    """The map page with its map script appended."""
    resp = client.get("/")
    assert resp.status_code == 200
    return _with_script(client, resp.get_data(as_text=True))


def test_the_map_script_is_a_file_cached_for_good_and_the_page_has_no_inline_script(client):
    html = client.get("/").get_data(as_text=True)
    assert "window.EEC_MAP" not in html and "L_NO_TOUCH" not in html
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", html)
    url = SCRIPT_URL.search(html).group(1)
    resp = client.get(url)
    assert resp.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert "Cookie" not in resp.vary and resp.get_data(as_text=True).count("window.EEC_MAP") == 1
    assert client.get(url, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    assert client.get("/map/script.0123456789abcdef.js").status_code == 404


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


def test_slash_and_map_are_the_same_page(client, page_html):
    resp = client.get("/map")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    script = re.compile(r'<script src="(/map/script\.[0-9a-f]+\.js)"')
    index = re.compile(r'<script type="application/json" id="eec-search-index">(.*?)</script>',
                       re.S)
    assert script.findall(html) == script.findall(page_html) != []  # the same rendered map
    assert index.findall(html) == index.findall(page_html) != []    # the same search index


def test_no_script_style_or_font_comes_from_a_cdn(page_html):
    urls = _links(page_html)
    assert any(u.split("?")[0].endswith("/leaflet/leaflet.js") for u in urls)
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
    assets_gz = 0
    script = SCRIPT_URL.search(page_html).group(1)
    with client.get(script, headers={"Accept-Encoding": "gzip"}) as served:
        assert gzip.decompress(served.data).decode().count("window.EEC_MAP") == 1
        assets_gz += len(served.data)
    for url in (u for u in _links(page_html) if u.startswith("/static/")):
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as asset:
            assets_gz += len(asset.data)
    layers_gz = sum(len(client.get(url, headers={"Accept-Encoding": "gzip"}).data)
                    for url in _layer_urls(page_html).values())
    # measured: page ~100 kB raw, ~17 kB gzipped (it was ~1.0 MB and ~250 kB with the layers
    # inline); layer files ~230 kB gzipped; scripts and styles ~0.3 MB gzipped
    assert raw < 200_000
    assert page_gz < 40_000
    assert page_gz + assets_gz + layers_gz < 1_500_000, (page_gz, assets_gz, layers_gz)


# ----------------------------------------------------------------------------- layer files
def test_the_page_fetches_the_heavy_layers_instead_of_inlining_them(page_html, geo):
    assert set(_layer_urls(page_html)) == set(maps.FETCHABLE_LAYERS)
    # not one coordinate pair of a fetched layer is in the page
    for key, fc in maps.layer_collections(geo).items():
        coords = fc["features"][0]["geometry"]["coordinates"]
        while isinstance(coords[0], list):
            coords = coords[0]
        assert json.dumps(coords) not in page_html, key
        assert json.dumps(coords, separators=(",", ":")) not in page_html, key
    # the key rivers are preloaded from the head; places and the search index stay inline
    head = page_html.split("</head>")[0]
    assert f'<link rel="preload" href="{_layer_urls(page_html)["rivers_key"]}"' in head
    assert _shows(page_html, "长春市") and "第二松花江" in page_html


def test_a_layer_file_needs_a_login(anon_client, app, client, page_html):
    url = _layer_urls(page_html)["rivers_key"]
    resp = anon_client.get(url)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert "features" not in resp.get_data(as_text=True)


def test_a_layer_file_is_that_layer_cached_for_a_year_with_its_hash_as_etag(app, client,
                                                                             page_html, network):
    url = _layer_urls(page_html)["rivers_key"]
    digest = url.split(".")[-2]
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    key_rivers, _ = maps.river_features(network.data, app.config["KEY_RIVERS"])
    assert resp.get_json() == key_rivers
    cache_control = resp.headers["Cache-Control"]
    assert "private" in cache_control and "immutable" in cache_control
    assert "max-age=31536000" in cache_control
    assert resp.headers["ETag"] == f'"{digest}"'
    # the session cookie changes on every response: varying on it would defeat the cache
    assert "cookie" not in resp.headers.get("Vary", "").lower()
    again = client.get(url, headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == f'"{digest}"' and "immutable" in again.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_layer_file_is_gzipped_once_with_a_weak_etag_that_still_matches(client, page_html):
    url = _layer_urls(page_html)["county"]
    digest = url.split(".")[-2]
    plain = client.get(url).data
    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.vary
    assert gzip.decompress(resp.data) == plain and len(resp.data) < len(plain) / 3
    assert resp.headers["ETag"] == f'W/"{digest}"'
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": f'W/"{digest}"'})
    assert again.status_code == 304 and "Content-Encoding" not in again.headers


def test_the_same_layer_file_serves_both_languages(client):
    zh = _layer_urls(_with_script(client, client.get("/").get_data(as_text=True)))
    en_html = _with_script(client, client.get("/?lang=en").get_data(as_text=True))
    assert _layer_urls(en_html) == zh
    props = client.get(zh["rivers_key"]).get_json()["features"][0]["properties"]
    assert props["name_zh"] and props["name_en"] and props["basin_en"]
    assert "feature.properties.name_en" in en_html or '"name_en"' in en_html  # tooltip fields


def test_unknown_layers_and_stale_hashes_are_not_found(client, page_html):
    url = _layer_urls(page_html)["lakes"]
    assert client.get(url.replace(url.split(".")[-2], "0" * 16)).status_code == 404
    assert client.get("/map/layers/places.0000000000000000.json").status_code == 404


def test_the_layer_url_changes_when_its_data_changes(app, client, page_html):
    from emergency.web.pages import ProvinceMapCache

    before = _layer_urls(page_html)
    # other key rivers, as when the plans change: a restart builds the files again
    app.config["KEY_RIVERS"] = {"第二松花江"}
    app.extensions["province_map"] = ProvinceMapCache()
    after = _layer_urls(_with_script(client, client.get("/").get_data(as_text=True)))
    assert after["rivers_key"] != before["rivers_key"]
    assert after["rivers_other"] != before["rivers_other"]
    assert after["county"] == before["county"]  # unchanged data, same URL: still cached
    assert client.get(before["rivers_key"]).status_code == 404
    names = {f["properties"]["name_zh"]
             for f in client.get(after["rivers_key"]).get_json()["features"]}
    assert names == {"第二松花江"}


def test_small_responses_are_not_compressed(client):
    resp = client.get("/api/auth/me", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in resp.headers and resp.get_json()["role"] == "admin"


def test_english_on_request_and_remembered(client):
    resp = client.get("/?lang=en")
    html = _with_script(client, resp.get_data(as_text=True))
    assert "Key rivers" in html and "Environmental Emergency Command System" in html
    assert "lang=en" in resp.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert "重点河流" in _with_script(client, client.get("/?lang=zh").get_data(as_text=True))


def test_the_map_is_rendered_once_per_language(app, client):
    client.get("/")
    client.get("/")
    client.get("/?lang=en")
    assert len(app.extensions["province_map"]._rendered) == 2


def test_the_on_duty_slot_is_empty_without_a_roster_and_filled_with_one(app, client):
    app.extensions["on_duty"] = lambda: None
    assert 'id="eec-on-duty"' not in client.get("/").get_data(as_text=True)
    from emergency.roster.on_duty import HeaderOnDuty, HeaderPerson

    app.extensions["on_duty"] = lambda: HeaderOnDuty(True, message_zh="今日未排班",
                                                     message_en="nobody")
    assert "今日未排班" in client.get("/").get_data(as_text=True)
    app.extensions["on_duty"] = lambda: HeaderOnDuty(
        False, leader=(HeaderPerson("leader", "王局长", "0431-1", ""),),
        officers=(HeaderPerson("duty_officer", "李明", "0431-2", ""),
                  HeaderPerson("duty_officer", "赵静", "0431-2", "")))
    html = client.get("/").get_data(as_text=True)
    assert 'id="eec-on-duty"' in html and "王局长" in html and "李明、赵静" in html


def test_a_failing_roster_does_not_break_the_page(app, client, caplog):
    def broken():
        raise RuntimeError("roster down")

    app.extensions["on_duty"] = broken
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "/map/script." in html and 'id="eec-search-input"' in html  # the map is all there
    assert 'id="eec-on-duty"' not in html  # the header leaves the slot out
    assert any("provider failed" in r.getMessage() and r.exc_info for r in caplog.records)


def test_an_extra_layer_registered_by_another_module_appears(app, client):
    from emergency.web.pages import register_map_layer

    def add_sites(m, lang):
        folium.GeoJson({"type": "FeatureCollection", "features": []},
                       name="拦截点" if lang == "zh" else "Intercept sites").add_to(m)

    register_map_layer(app, add_sites)
    assert _shows(_with_script(client, client.get("/").get_data(as_text=True)), "拦截点")


def test_a_configured_basemap_is_used(app, client):
    app.config["BASEMAP_URL"] = "/tiles/{z}/{x}/{y}.png"
    app.config["BASEMAP_ATTRIBUTION"] = "内网瓦片"
    html = _with_script(client, client.get("/").get_data(as_text=True))
    assert _shows(html, "/tiles/{z}/{x}/{y}.png") and _shows(html, "内网瓦片")


# ----------------------------------------------------------------------------- emergency.web.maps
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


def test_a_layer_file_hash_follows_its_content(geo):
    original = maps.encode_layer("lakes", geo.lakes)
    assert original.digest == maps.encode_layer("lakes", json.loads(original.body)).digest
    moved = json.loads(original.body)
    ring = moved["features"][0]["geometry"]["coordinates"][0]
    while isinstance(ring[0][0], list):
        ring = ring[0]
    ring[0][0] += 0.0001
    changed = maps.encode_layer("lakes", moved)
    assert changed.digest != original.digest and len(changed.digest) == 16
    assert changed.filename == f"lakes.{changed.digest}.json"


def test_fetched_layers_keep_folium_styles_and_popups_but_not_their_features(geo):
    urls = {key: f"/layers/{key}.json" for key in maps.FETCHABLE_LAYERS}
    fetched = maps.render_parts(maps.province_map(geo, lang="en", layer_urls=urls)).script
    inline = maps.render_parts(maps.province_map(geo, lang="en")).script
    assert len(fetched) < len(inline) / 5
    key_id = geo.rivers_key["features"][0]["id"]
    assert f'case "{key_id}"' in fetched  # folium's style switch, from the data at render time
    assert '"name_en"' in fetched and "bindPopup" in fetched and "bindTooltip" in fetched
    assert '"/layers/rivers_key.json"' in fetched and "addData" in fetched
    # requested in priority order: the key rivers first
    order = [fetched.index(f'"/layers/{key}.json"') for key in maps.FETCHABLE_LAYERS]
    assert order == sorted(order) and maps.FETCHABLE_LAYERS[0] == "rivers_key"


def test_only_known_layers_can_be_fetched(geo):
    with pytest.raises(ValueError, match="places"):
        maps.province_map(geo, layer_urls={"places": "/x.json"})


def test_the_search_index_lists_rivers_lakes_and_places_with_where_they_are(geo):
    entries = maps.search_entries(geo, "zh")
    second = next(e for e in entries if e["label"] == "第二松花江")
    assert second["kind"] == "river" and second["alt"]
    (south, west), (north, east) = second["bounds"]
    assert 41 < south < north < 46 and 124 < west < east < 128
    changchun = next(e for e in entries if e["label"] == "长春市")
    assert changchun["kind"] == "place" and changchun["latlng"][0] == pytest.approx(43.88, 0.01)


def test_tooltips_popups_and_legend_are_text_nodes_and_the_page_parts_have_no_inline_script(geo):
    parts = maps.render_parts(maps.province_map(geo, lang="en"))
    assert "innerHTML" not in parts.script  # folium's GeoJsonTooltip/Popup and legend used it
    assert parts.script.count("td.textContent") >= 5 and "bindTooltip" in parts.script
    assert "<script>" not in parts.header and "L_NO_TOUCH" not in parts.header


def test_a_part_with_an_inline_script_is_refused(geo):
    from branca.element import Element

    m = maps.province_map(geo, lang="en")
    m.get_root().header.add_child(Element("<script>alert(1)</script>"))
    with pytest.raises(maps.InlineScript):
        maps.render_parts(m)
