"""Security headers: a Content-Security-Policy on every HTML page (no inline script allowed), and
nosniff / same-origin referrer on every response; templates and scripts that never turn data
into markup (issue 13, part 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emergency.web.headers import content_security_policy
from tests.incident_world import SPILL

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "emergency" / "web" / "templates"
SCRIPTS = ROOT / "static" / "js"
HOSTILE_SPILL = SPILL | {"title": '"><img src=x onerror=alert(1)>'}


def _directives(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:])
            for part in (p.strip() for p in header.split(";")) if part}


def _assert_policy(resp, url: str) -> None:
    csp = resp.headers.get("Content-Security-Policy")
    assert csp, f"{url}: no Content-Security-Policy"
    d = _directives(csp)
    assert d["script-src"].split()[0] == "'self'", url
    assert "'unsafe-inline'" not in d["script-src"] and "'unsafe-eval'" not in d["script-src"]
    assert d["object-src"] == "'none'" and d["base-uri"] == "'self'", url
    assert d["frame-ancestors"] == "'self'" and d["default-src"] == "'self'", url


def _get_urls(app, values: dict[str, str]) -> list[str]:
    """Every GET route of the app with its arguments filled from ``values`` (else "1")."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[a-z_]+:)?{name}>", values.get(name, "1"), url)
        urls.append(url)
    return sorted(set(urls))


def test_every_html_route_answers_with_the_policy_and_every_response_with_the_headers(
        app, client):
    incident = client.post("/api/incidents", json=HOSTILE_SPILL)
    assert incident.status_code == 201, incident.get_json()
    plan_id = "dier-songhua-jiang"
    values = {"incident_id": str(incident.get_json()["id"]), "plan_id": plan_id}
    html_pages = 0
    for url in _get_urls(app, values):
        resp = client.get(url)
        assert resp.status_code < 500, url
        assert resp.headers["X-Content-Type-Options"] == "nosniff", url
        assert resp.headers["Referrer-Policy"] == "same-origin", url
        if resp.mimetype == "text/html":
            _assert_policy(resp, url)
            html_pages += resp.status_code == 200
        else:
            assert "Content-Security-Policy" not in resp.headers, url
    # the map, incidents (list, page, print, new), rivers (list, page), duty, drills, refresh…
    assert html_pages >= 15


def test_pages_outside_a_login_and_error_pages_carry_the_policy_too(anon_client, client):
    _assert_policy(anon_client.get("/login"), "/login")
    resp = client.get("/incidents/999999")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    _assert_policy(resp, "/incidents/999999")


def test_the_server_header_names_no_version(client):
    assert not re.search(r"\d", client.get("/login").headers.get("Server", ""))


def test_a_nonce_is_added_only_when_a_template_asks_for_one(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string('<script nonce="{{ csp_nonce() }}">1</script>'
                                      '<script nonce="{{ csp_nonce() }}">2</script>')
        nonce = re.findall(r'nonce="([^"]+)"', html)
        assert len(set(nonce)) == 1 and len(nonce[0]) >= 22
        assert f"'nonce-{nonce[0]}'" in content_security_policy(nonce[0])
    assert "nonce" not in content_security_policy()


def test_an_intranet_basemap_is_an_allowed_image_source_and_nothing_else():
    d = _directives(content_security_policy(basemap_url="http://{s}.tiles.intra:8080/{z}/{x}/{y}"))
    assert d["img-src"] == "'self' data: blob: http://*.tiles.intra:8080"
    assert d["script-src"] == "'self'" and d["connect-src"] == "'self'"
    assert "tiles" not in _directives(content_security_policy(basemap_url="/tiles/{z}"))["img-src"]


# ----------------------------------------------------------------------------- static audit
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"|nonce=))[^>]*>",
                           re.IGNORECASE)
# folium's own header and body markup for the map (asset links and styles: render_parts refuses
# any inline script in them); nothing else may be marked safe
ALLOWED_SAFE = {("map.html", "map.header|safe"), ("map.html", "map.html|safe")}


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_inline_script_handlers_or_unescaped_data(template):
    text = (TEMPLATES / template).read_text("utf-8")
    assert not INLINE_HANDLER.search(text), INLINE_HANDLER.search(text).group(0)
    assert not INLINE_SCRIPT.search(text), INLINE_SCRIPT.search(text).group(0)
    for found in re.findall(r"[\w.]+\s*\|\s*safe", text):
        assert (template, found.replace(" ", "")) in ALLOWED_SAFE, found
    assert "Markup(" not in text and "autoescape false" not in text


MARKUP_SINKS = re.compile(r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write"
                          r"|\.html\(|\$\(\s*['\"]<")
# Leaflet reads a string given to bindTooltip/bindPopup/setContent as HTML: pass an element
STRING_CONTENT = re.compile(r"\.(?:bindTooltip|bindPopup|setContent|setTooltipContent)\(\s*"
                            r"(?:[\"'`]|T\.|[a-z_.]+\s*\+|nameOf\(|s\.name\b)")


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.js")))
def test_page_scripts_build_text_nodes_not_markup(script):
    text = (SCRIPTS / script).read_text("utf-8")
    assert not MARKUP_SINKS.search(text), MARKUP_SINKS.search(text).group(0)
    assert not STRING_CONTENT.search(text), STRING_CONTENT.search(text).group(0)


def test_the_audit_would_catch_the_old_tooltip_and_markup():
    assert STRING_CONTENT.search('.bindTooltip(T.legend_incident + ":" + inc.title)')
    assert STRING_CONTENT.search("m.bindPopup(box).bindTooltip(s.name).addTo(map)")
    assert not STRING_CONTENT.search(".bindTooltip(EEC.text(nameOf(d)))")
    assert MARKUP_SINKS.search('el.innerHTML = "<li>"')
    assert INLINE_HANDLER.search('<button onclick="window.print()">')
    assert INLINE_SCRIPT.search("<script>\nvar a;</script>")
    assert not INLINE_SCRIPT.search('<script type="application/json" id="x">')
