"""Static files under content-versioned URLs, kept by browsers for a year (静态资源缓存).

``url_for('static', filename=...)`` adds ``?v=`` and the first 12 hex digits of the file's
SHA-256. A request whose ``v`` is the file's current digest is answered with
``Cache-Control: public, max-age=31536000, immutable``: a revisit (or the next page of the same
session) takes the file from the browser cache without asking the server. Any other static
request keeps Flask's default (``no-cache`` with an ETag: revalidated each time), so a stale or
missing ``v`` never pins an old file. A file changed on disk (a deployment, ``make setup``) has
a new digest and so a new URL. Digests are memoised per (path, size, mtime).

URLs written by hand or inside CSS (fonts, images) are not versioned: they are revalidated.

A cached response must not say ``Vary: Cookie``: the session cookie is re-signed on every
response, so a browser would never reuse the cached file. :class:`SessionInterface` keeps
``CACHEABLE_ENDPOINTS`` (static files, and the map's layer and script files, the same for every
logged-in user and sent ``private``) free of it: it does not refresh the cookie on them, and
drops ``Cookie`` from their ``Vary``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

ONE_YEAR_S = 31_536_000
DIGEST_HEX = 12
# Responses that are the same whoever asks (among those the auth guard lets through).
CACHEABLE_ENDPOINTS = frozenset({"static", "pages.map_layer", "pages.map_script"})


class StaticDigests:
    """SHA-256 prefixes of the files in a static folder, recomputed when a file changes."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder).resolve()
        self._memo: dict[str, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def digest(self, filename: str) -> str | None:
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder):
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        known = self._memo.get(filename)
        if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
            return known[2]
        with path.open("rb") as f:
            value = hashlib.file_digest(f, "sha256").hexdigest()[:DIGEST_HEX]
        with self._lock:
            self._memo[filename] = (stat.st_size, stat.st_mtime_ns, value)
        return value


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a cacheable response neither re-sends the cookie nor
    varies on it; the next page refreshes the cookie as usual."""

    def should_set_cookie(self, app: Flask, session) -> bool:  # noqa: ANN001
        if request.endpoint in CACHEABLE_ENDPOINTS:
            return session.modified
        return super().should_set_cookie(app, session)

    def save_session(self, app: Flask, session, response: Response) -> None:  # noqa: ANN001
        super().save_session(app, session, response)
        if request.endpoint in CACHEABLE_ENDPOINTS and not session.modified:
            response.vary.discard("cookie")  # lower case: HeaderSet.remove compares so


def init_static_cache(app: Flask) -> None:
    if app.static_folder is None:
        return
    app.session_interface = SessionInterface()
    digests = StaticDigests(app.static_folder)
    app.extensions["static_digests"] = digests

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = digests.digest(values["filename"])
            if found is not None:
                values["v"] = found

    @app.after_request
    def _cache_for_a_year(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        version = request.args.get("v")
        filename = (request.view_args or {}).get("filename")
        if version and filename and version == digests.digest(filename):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR_S
            response.cache_control.immutable = True
        return response
