"""Browser tests: the real app on a local port, driven by Debian's Chromium through Playwright.

The server runs in a thread (werkzeug ``make_server`` on 127.0.0.1, a free port) on a temporary,
migrated SQLite database with one user per role. Tests are skipped only when /usr/bin/chromium
is missing (``.ci/run`` installs it). Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
E2E_PASSWORD = "e2e-password-1"
ROLES = ("admin", "viewer", "duty_officer", "commander", "duty_manager")
# More people with accounts (username → role), to be linked to duty staff by the tests.
EXTRA_ACCOUNTS = {"officer_a": "duty_officer", "officer_b": "duty_officer",
                  "officer_c": "duty_officer"}
#: Accounts bound to a prefecture: (username, role, prefecture).
PREFECTURE_USERS = (("insp", "inspector", "长春市"), ("insp2", "inspector", "长春市"),
                    ("steward", "data_steward", "长春市"))


def api(base: str, method: str, path: str, body: dict | None = None,
        token: str | None = None) -> dict:
    """A JSON call to a live server's API (as a bearer of ``token``), and its JSON answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def api_token(base: str, username: str = "duty_officer", password: str = E2E_PASSWORD) -> str:
    """A bearer token for one of the live server's users (the duty officer unless named)."""
    return api(base, "POST", "/api/auth/token",
               {"username": username, "password": password})["token"]


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # no access log in test output
            pass

    return Quiet


@pytest.fixture(scope="session")
def live_server(network, tmp_path_factory):
    """Base URL of the app served from a background thread, with users ``admin``, ``viewer`` …"""
    yield from serve_app(network, tmp_path_factory)


def serve_app(network, tmp_path_factory):
    """The live server as a generator: a module whose tests open incidents on the map can
    override ``live_server`` with a server of its own (``yield from serve_app(...)``)."""
    from emergency import accounts

    app = migrated_app(network, tmp_path_factory.mktemp("e2e"))
    with app.extensions["database"].session() as s:
        for username, role in [*((r, r) for r in ROLES), *EXTRA_ACCOUNTS.items()]:
            accounts.create_user(s, username, E2E_PASSWORD, role,
                                 hash_method=app.config["PASSWORD_HASH_METHOD"])
        for name, role, prefecture in PREFECTURE_USERS:
            accounts.create_user(s, name, E2E_PASSWORD, role, prefecture=prefecture,
                                 hash_method=app.config["PASSWORD_HASH_METHOD"])
    from datetime import date

    from emergency.inventory.service import load_sample

    with app.extensions["database"].session() as s:  # depots and teams to dispatch (示例)
        load_sample(s, network, as_of=date.today())
    with serving(app) as base:
        yield base


def migrated_app(network, folder: Path, secret_key: str = "e2e-secret",  # noqa: ANN001, ANN201
                 **config: object):
    """The app on a new SQLite database in ``folder``, migrated, with no users yet; ``config``
    adds to or overrides the test configuration (PLAN_SET, FIXED_NOW …)."""
    from app import create_app
    from emergency.store import upgrade

    url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    upgrade(url)
    return create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_DIR": folder,
                       "SECRET_KEY": secret_key, "RIVER_NETWORK": network,
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})


@contextmanager
def serving(app, thread_name: str = "e2e-server") -> Iterator[str]:  # noqa: ANN001
    """``app`` served from a background thread on a free local port while in the block (its
    base URL); then the server stops and the database is closed."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler())
    thread = threading.Thread(target=server.serve_forever, name=thread_name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["database"].engine.dispose()


FUNCTION_SOURCE = re.compile(r"^\s*(async\s+)?(function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)")


def as_function(expression: str) -> str:
    """A ``wait_for_function`` predicate as a function: Playwright polls a plain expression with
    ``eval`` inside the page, which the app's Content-Security-Policy (no 'unsafe-eval')
    refuses; a function is compiled through the debugger protocol instead."""
    return expression if FUNCTION_SOURCE.match(expression) else f"() => ({expression})"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import Page, sync_playwright

    original = Page.wait_for_function

    def wait_for_function(self, expression: str, *args, **kwargs):  # noqa: ANN001, ANN202
        return original(self, as_function(expression), *args, **kwargs)

    Page.wait_for_function = wait_for_function  # every page of every context, CSP enforced
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield chromium
        chromium.close()
    Page.wait_for_function = original


@pytest.fixture
def phone(browser, live_server):
    """A fresh browser context the size of a phone (390×844), as an inspector in the field."""
    context = new_context(browser, (390, 844), is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.base_url = live_server  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) at 1366×768, the smallest screen we support."""
    context = new_context(browser)
    pg = context.new_page()
    pg.base_url = live_server  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture
def log_in():
    """``log_in(page, "viewer")``: through the login form, like a person."""

    def _log_in(pg, username: str = "admin", password: str = E2E_PASSWORD) -> None:
        pg.goto(pg.base_url + "/login")
        pg.fill("#username", username)
        pg.fill("#password", password)
        pg.click("#login-submit")

    return _log_in


def new_context(browser, size: tuple[int, int] = (1366, 768),  # noqa: ANN001, ANN201
                **options: object):
    """A fresh browser context (no cookies): zh-CN, Beijing time, a ``size`` window (1366×768,
    the smallest screen we support), 15 s for each wait."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(15_000)
    return context


def logged_in(browser, base: str, username: str, size: tuple[int, int] = (1366, 768),  # noqa: ANN001, ANN201
              password: str = E2E_PASSWORD, **context_options: object):
    """A new browser context logged in as ``username`` through the login form of the server at
    ``base``: (context, page)."""
    context = new_context(browser, size, **context_options)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda u: "/login" not in u)
    return context, page


@pytest.fixture
def shot():
    """``shot(page, "name")`` saves tests/artifacts/name.png (for a person to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(pg, name: str, **kwargs) -> Path:
        path = ARTIFACTS / f"{name}.png"
        pg.screenshot(path=str(path), **kwargs)
        return path

    return _shot
