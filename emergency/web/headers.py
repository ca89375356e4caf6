"""Security headers (安全响应头) on every response; a Content-Security-Policy on every HTML page.

No page carries inline script: page code lives in ``static/js`` and the province map's folium
script is served as a file (``/map/script.<digest>.js``), so ``script-src 'self'`` holds. A
template that truly needs an inline ``<script>`` gives it ``nonce="{{ csp_nonce() }}"``: the
nonce is made per request, on first use, and only then added to the policy. Inline styles stay
allowed (folium and Leaflet write them); ``object-src 'none'``, ``base-uri 'self'`` and
``frame-ancestors 'self'`` close the remaining doors. A configured intranet basemap
(``BASEMAP_URL``) is allowed as an image source.

Every response also gets ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
same-origin``. The ``Server`` header is the WSGI server's: gunicorn (``make serve``) sends its
name without a version.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g

HTML_TYPES = ("text/html", "application/xhtml+xml")


def csp_nonce() -> str:
    """This request's script nonce (made on first use)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def _origin(url: str | None) -> str | None:
    """The origin of a tile URL template ("{s}" subdomains become a wildcard)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def content_security_policy(nonce: str | None = None, basemap_url: str | None = None) -> str:
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    images = " ".join(filter(None, ("'self'", "data:", "blob:", _origin(basemap_url))))
    return "; ".join((
        "default-src 'self'",
        f"script-src {script}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ))


def init_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype in HTML_TYPES:
            headers["Content-Security-Policy"] = content_security_policy(
                g.get("csp_nonce"), app.config["BASEMAP_URL"])
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")  # frame-ancestors, older browsers
        return response
