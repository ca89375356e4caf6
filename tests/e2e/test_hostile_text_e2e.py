"""Hostile text stays text (issue 13, part 1): an incident titled like an HTML attack and risk
sources with hostile names, on the incident, print, list, map and river pages, in Chromium.

Markers are hovered and popups opened; no dialog may open, no <img> from the data may appear,
the Content-Security-Policy must not have to block anything of ours, and the text shows literally.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import api, api_token, migrated_app, new_context, serving

pytestmark = pytest.mark.e2e

HOSTILE_TITLE = '"><img src=x onerror=alert(1)>'
HOSTILE_SOURCE = "<img src=x onerror=alert('rs')>化工厂"
PASSWORD = "e2e-password-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
JILIN_CITY = (126.55, 43.86)  # 第二松花江 at 吉林市
RIVER = "dier-songhua-jiang"


@pytest.fixture(scope="module")
def hostile_server(network, tmp_path_factory):
    """The app on its own database: sample inventories whose risk sources all carry a hostile
    name, and an incident with a hostile title (kept apart from the shared live server)."""
    from sqlalchemy import String, cast, literal, update

    from emergency import accounts
    from emergency.inventory import service as inventory
    from emergency.store.inventory_models import RiskSource

    app = migrated_app(network, tmp_path_factory.mktemp("hostile"), "hostile-secret")
    with app.extensions["database"].session() as s:
        accounts.create_user(s, "duty_officer", PASSWORD, "duty_officer",
                             hash_method=app.config["PASSWORD_HASH_METHOD"])
        inventory.load_sample(s, network, as_of=date(2026, 5, 20))
        s.execute(update(RiskSource).values(  # names stay unique per county
            name=literal(HOSTILE_SOURCE) + cast(RiskSource.id, String)))
    with serving(app, "hostile-server") as base:
        yield base


@pytest.fixture(scope="module")
def hostile_incident(hostile_server) -> int:
    token = api_token(hostile_server, password=PASSWORD)
    occurred = datetime.now(SHANGHAI) - timedelta(hours=4)
    body = {"lon": JILIN_CITY[0], "lat": JILIN_CITY[1], "substance": "硝基苯", "mass_kg": 15000,
            "occurred_at": occurred.isoformat(timespec="minutes"),
            "discovered_at": (occurred + timedelta(minutes=40)).isoformat(timespec="minutes"),
            "title": HOSTILE_TITLE}
    return api(hostile_server, "POST", "/api/incidents", body, token)["id"]


@pytest.fixture
def watched(browser, hostile_server):
    """A logged-in page that records dialogs, page errors and console errors (CSP reports)."""
    context = new_context(browser)
    context.set_default_timeout(60_000)
    pg = context.new_page()
    seen: dict[str, list[str]] = {"dialogs": [], "errors": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda err: seen["errors"].append(str(err)))
    pg.on("console", lambda msg: seen["errors"].append(msg.text)
          if msg.type == "error" or "Content Security Policy" in msg.text else None)
    pg.goto(hostile_server + "/login")
    pg.fill("#username", "duty_officer")
    pg.fill("#password", PASSWORD)
    pg.click("#login-submit", no_wait_after=True)
    pg.wait_for_url(hostile_server + "/", timeout=120_000)  # the map is rendered on first use
    pg.base_url = hostile_server  # type: ignore[attr-defined]
    pg.seen = seen  # type: ignore[attr-defined]
    yield pg
    context.close()


INJECTED = "() => document.querySelectorAll('img[src=\"x\"], img[src$=\"/x\"]').length"


def _assert_inert(pg) -> None:
    pg.wait_for_timeout(300)  # an onerror would fire as soon as the image fails
    assert pg.seen["dialogs"] == [], pg.seen["dialogs"]
    assert pg.evaluate(INJECTED) == 0
    csp = [e for e in pg.seen["errors"] if "Content Security Policy" in e or "Refused" in e]
    assert csp == [], csp
    assert pg.seen["errors"] == [], pg.seen["errors"]


def test_the_incident_page_shows_a_hostile_title_as_text_on_hover(watched, hostile_incident,
                                                                  shot):
    pg = watched
    pg.goto(f"{pg.base_url}/incidents/{hostile_incident}")
    pg.wait_for_selector("#arr-table tbody tr")
    pg.wait_for_selector(".inc-incident-icon")
    pg.wait_for_timeout(500)
    assert HOSTILE_TITLE in pg.locator("h1").inner_text()
    pg.hover(".inc-incident-icon")
    tooltip = pg.locator(".leaflet-tooltip", has_text="onerror")
    tooltip.wait_for()
    assert HOSTILE_TITLE in tooltip.inner_text()
    # every downstream marker's tooltip and popup, opened
    opened = pg.evaluate("""() => {
        var n = 0;
        EEC_INCIDENT.map.eachLayer(function (l) {
            if (l.getTooltip && l.getTooltip()) { l.openTooltip(); n++; }
            if (l.getPopup && l.getPopup()) { l.openPopup(); l.closePopup(); n++; }
        });
        return n;
    }""")
    assert opened >= 5
    _assert_inert(pg)
    shot(pg, "hostile_incident")


def test_the_print_view_and_the_list_show_the_hostile_title_as_text(watched, hostile_incident,
                                                                    shot):
    pg = watched
    pg.goto(f"{pg.base_url}/incidents/{hostile_incident}/print")
    assert HOSTILE_TITLE in pg.locator("#print").inner_text()
    _assert_inert(pg)
    pg.goto(f"{pg.base_url}/incidents")
    pg.wait_for_selector("#inc-list")
    assert HOSTILE_TITLE in pg.locator("#inc-list").inner_text()
    _assert_inert(pg)


def test_the_map_shows_hostile_risk_source_names_as_text_in_popups(watched, hostile_incident,
                                                                   shot):
    pg = watched
    pg.goto(pg.base_url + "/")
    pg.wait_for_function("window.EEC_MAP && EEC_MAP.settled === true", timeout=60_000)
    assert pg.evaluate("document.querySelectorAll('.leaflet-eec-rivers-key-pane path').length") > 40
    # a clustered marker taken out of its cluster, its own popup opened and its text read
    text = pg.evaluate("""() => {
        var group = EEC_MAP.layers.risk_sources, marker = group.getLayers()[0];
        group.removeLayer(marker);
        marker.addTo(EEC_MAP.map);
        EEC_MAP.map.setView(marker.getLatLng(), 11, {animate: false});
        marker.openPopup();
        return document.querySelector('.leaflet-popup-content').innerText;
    }""")
    assert HOSTILE_SOURCE in text
    # the layer's own tooltips and popups (folium's, now text-only) open too
    pg.evaluate("""() => EEC_MAP.layers.rivers_key.eachLayer(function (l) {
        l.openTooltip(); l.openPopup(); })""")
    _assert_inert(pg)
    pg.evaluate("() => EEC_MAP.map.closePopup()")
    pg.evaluate("() => EEC_MAP.map.setView([43.86, 126.55], 8)")
    pg.wait_for_timeout(800)
    shot(pg, "hostile_map")


def test_the_river_page_shows_hostile_risk_source_names_as_text(watched, shot):
    pg = watched
    pg.goto(f"{pg.base_url}/rivers/{RIVER}")
    pg.wait_for_function("window.EEC_RIVER_MAP && "
                         "document.querySelectorAll('.leaflet-river-pane path').length > 0")
    assert HOSTILE_SOURCE in pg.locator("body").inner_text()  # the risk-source table
    shown = pg.evaluate("""() => {
        var texts = [];
        EEC_RIVER_MAP.eachLayer(function (l) {
            if (l.getTooltip && l.getTooltip() && l.getPopup && l.getPopup()) {  // the sites
                l.openTooltip();
                texts.push(l.getTooltip().getElement().innerText);
                l.openPopup();
                texts.push(l.getPopup().getElement().innerText);
                l.closePopup();
            }
        });
        return texts;
    }""")
    assert sum(HOSTILE_SOURCE in t for t in shown) >= 2, shown[:6]
    _assert_inert(pg)
    shot(pg, "hostile_river", full_page=True)
