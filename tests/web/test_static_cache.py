"""Static files: versioned URLs cached for a year, anything else revalidated; no Vary: Cookie."""

from __future__ import annotations

import re


def versioned(html: str, path: str) -> str:
    found = re.search(rf'/static/{re.escape(path)}\?v=([0-9a-f]{{12}})', html)
    assert found, f"{path} is not linked with a version"
    return found.group(0)


def test_pages_link_static_files_with_their_content_digest(client, app):
    html = client.get("/").get_data(as_text=True)
    url = versioned(html, "vendor/leaflet/leaflet.js")  # a folium asset of the map
    resp = client.get(url)
    resp.close()
    assert resp.status_code == 200
    cc = resp.headers["Cache-Control"]
    assert "max-age=31536000" in cc and "immutable" in cc and "no-cache" not in cc
    assert "Cookie" not in resp.headers.get("Vary", "")
    incident_css = versioned(client.get("/incidents/new").get_data(as_text=True),
                             "css/incident.css")
    resp = client.get(incident_css)
    resp.close()
    assert resp.headers["Cache-Control"].startswith("public")


def test_a_stale_or_missing_version_is_revalidated_not_pinned(client):
    for url in ("/static/vendor/leaflet/leaflet.js",
                "/static/vendor/leaflet/leaflet.js?v=000000000000"):
        resp = client.get(url)
        resp.close()
        assert resp.status_code == 200
        assert "no-cache" in resp.headers["Cache-Control"]
        assert "max-age=31536000" not in resp.headers["Cache-Control"]


def test_a_changed_file_gets_a_new_url(tmp_path):
    from emergency.web.static_cache import StaticDigests

    (tmp_path / "a.js").write_text("one", "utf-8")
    digests = StaticDigests(tmp_path)
    first = digests.digest("a.js")
    (tmp_path / "a.js").write_text("two!", "utf-8")
    assert digests.digest("a.js") != first
    assert digests.digest("../outside.js") is None and digests.digest("missing.js") is None


def test_static_files_need_no_login_and_do_not_read_the_session(anon_client):
    resp = anon_client.get("/static/vendor/leaflet/leaflet.js")
    resp.close()
    assert resp.status_code == 200 and "Cookie" not in resp.headers.get("Vary", "")
