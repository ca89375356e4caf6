"""gzip for text responses (文本压缩): the map page is ~1 MB of HTML and ~250 kB gzipped.

An ``after_request`` hook compresses HTML, CSS, JS, JSON and SVG bodies of at least
``MIN_SIZE`` bytes when the client accepts gzip. Streamed responses (server-sent events, file
downloads by generator) are left alone; static files (``send_file``) are read and compressed.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_SIZE = 1024
COMPRESSIBLE = ("text/html", "text/css", "text/plain", "text/csv", "text/javascript",
                "application/javascript", "application/json", "application/geo+json",
                "image/svg+xml")


def accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def init_compression(app: Flask, level: int = 6) -> None:
    @app.after_request
    def _gzip(response: Response) -> Response:
        if (response.status_code < 200 or response.status_code in (204, 206, 304)
                or "Content-Encoding" in response.headers
                or response.mimetype not in COMPRESSIBLE
                or not accepts_gzip(request.headers.get("Accept-Encoding", ""))):
            return response
        if response.direct_passthrough:      # send_file: a file we may read whole
            response.direct_passthrough = False
        elif response.is_streamed:           # a generator: never buffer it
            return response
        data = response.get_data()
        response.vary.add("Accept-Encoding")
        if len(data) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(data, compresslevel=level))
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)  # the bytes differ from the uncompressed ones
        return response
