"""Property-based: generated bodies and URL ids at every JSON write endpoint of the route table.

For each rule under ``/api/`` accepting POST, PUT, PATCH or DELETE, an administrator (allowed to
write everywhere) sends generated bodies — nested, huge numbers, 1e308, -1e19, NaN/Infinity as
strings and as bare JSON tokens, lone surrogates, wrong types, long strings, broken UTF-8, deep
nesting — and generated ids in the URL. The properties: never a 5xx, and a 4xx leaves the
database as it was: no INSERT/UPDATE/DELETE committed, the same row count in every table.

Bounded and deterministic: ``derandomize=True`` and a modest ``max_examples`` per route
(``EEC_FUZZ_EXAMPLES`` raises it for a longer local hunt).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, inspect, text

from tests.conftest import DB_BACKENDS, TEST_PASSWORD

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOW = datetime(2026, 7, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EXAMPLES = int(os.environ.get("EEC_FUZZ_EXAMPLES", "10"))
# EEC_FUZZ_HUNT=1: no shrinking (a quick survey of every failing route at once)
PHASES = ([Phase.explicit, Phase.generate] if os.environ.get("EEC_FUZZ_HUNT")
          else [Phase.explicit, Phase.generate, Phase.shrink])
WEB_DIR = Path(__file__).resolve().parents[2] / "emergency" / "web"
SPILL = {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 20000,
         "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00",
         "title": "吉林市化工企业硝基苯泄漏(测试)"}


def _write_routes() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) of every JSON write endpoint, read from the app's route table."""
    from app import create_app

    probe = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    routes = {(r.rule, m, r.endpoint) for r in probe.url_map.iter_rules()
              if r.rule.startswith("/api/") for m in r.methods & WRITE_METHODS}
    probe.extensions["database"].engine.dispose()
    return sorted(routes)


ROUTES = _write_routes()


def _field_names() -> list[str]:
    """The body keys the web layer reads (``data.get("x")``, ``data["x"]``), from its source."""
    names: set[str] = set()
    for path in WEB_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"""\.get\(\s*["']([a-z_][a-z0-9_]*)["']""", text))
        names.update(re.findall(r"""\[\s*["']([a-z_][a-z0-9_]*)["']\s*\]""", text))
    return sorted(names | set(SPILL) | {"version", "revision", "status", "note", "minutes"})


FIELDS = _field_names()

# ------------------------------------------------------------------------ strategies
NASTY_NUMBERS = st.sampled_from([1e308, -1e308, -1e19, 1e19, 2**63, -(2**63) - 1, 2**31,
                                 10**30, -1, 0, 0.5, 1e-320, 5e-324])
NASTY_STRINGS = st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", "1e999", "abc", "",
                                 "\ud800", "x\udfffy", "\x00", "'=1+1", "../../etc/passwd",
                                 "x" * 5000, "9" * 400, "2026-13-45", "T+99:99", "真" * 300])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), NASTY_NUMBERS, NASTY_STRINGS,
    st.text(max_size=40))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner,
                    max_size=4)), max_leaves=12)
BODIES = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6)
RAW_BODIES = st.sampled_from([
    b"", b"null", b"[]", b"42", b'"x"', b"{", b'{"a": NaN}', b'{"mass_kg": Infinity}',
    b'{"version": -Infinity}', b"\xff\xfe{}", b'{"title": "\xc3\x28"}',
    b'{"title": "\\ud800"}', b'{"\\udfff": 1}', b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000, b'{"deaths": 1' + b"0" * 5000 + b"}",
    b'{"version": 1e400}'])


def _variant(template: dict) -> st.SearchStrategy[dict]:
    """A valid body with one field replaced by a generated value (reaches the deep checks)."""
    return st.tuples(st.sampled_from(sorted(template) + FIELDS), VALUES).map(
        lambda kv: {**template, kv[0]: kv[1]})


def _body_strategy(rule: str, method: str, world: dict) -> st.SearchStrategy[bytes]:
    templates = [t for (r, m), t in world["templates"].items() if r == rule and m == method]
    dicts = st.one_of(BODIES, *(_variant(t) for t in templates)) if templates else BODIES
    encoded = dicts.map(lambda d: json.dumps(d, ensure_ascii=True).encode())
    return st.one_of(encoded, encoded, VALUES.map(lambda v: json.dumps(v).encode()), RAW_BODIES)


_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _url_strategy(rule: str, world: dict) -> st.SearchStrategy[str]:
    """The rule with generated values: known ids mostly, then huge, zero and long ones."""
    parts = _PARAM.split(rule)
    pieces: list[st.SearchStrategy[str]] = []
    for i in range(0, len(parts), 3):
        pieces.append(st.just(parts[i]))
        if i + 2 < len(parts):
            converter, name = parts[i + 1] or "default", parts[i + 2]
            known = world["ids"].get(name, [1])
            if converter == "int":
                ids = st.one_of(st.sampled_from(known), st.sampled_from(known),
                                st.integers(min_value=0, max_value=2**80),
                                st.sampled_from([2**31, 2**63, 2**64, 10**300]))
                pieces.append(ids.map(str))
            else:
                text = st.one_of(st.sampled_from(world["names"].get(name, ["x"])),
                                 st.text(min_size=1, max_size=30),
                                 st.sampled_from(["x" * 5000, "..", "%00", "a/b"]))
                pieces.append(text.map(lambda s: quote(s, safe="")))
    return st.tuples(*pieces).map("".join)


# ------------------------------------------------------------------------ the world
class WriteLedger:
    """Counts the INSERT/UPDATE/DELETE statements the database committed (rolled-back ones do
    not count): with the row count of every table, the fingerprint of "nothing changed"."""

    def __init__(self, engine) -> None:
        self.committed = 0
        self.tables = sorted(inspect(engine).get_table_names())
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            conn.info["writes"] = conn.info.get("writes", 0) + 1

    def _commit(self, conn) -> None:
        self.committed += conn.info.pop("writes", 0)

    def _rollback(self, conn) -> None:
        conn.info.pop("writes", None)

    def fingerprint(self, engine) -> tuple:
        counts = ", ".join(f'(SELECT count(*) FROM "{t}")' for t in self.tables)
        with engine.connect() as conn:  # one round trip for every table
            return self.committed, tuple(conn.execute(text(f"SELECT {counts}")).one())


@pytest.fixture(scope="module", params=DB_BACKENDS)
def world(request, network, plan_set, tmp_path_factory):
    """One app with data to hit: sample inventories and staff, an incident, a drill run, a
    roster; an administrator's client with its CSRF header."""
    from app import create_app
    from emergency import accounts
    from emergency.inventory import service as inventory
    from emergency.roster import staff_service
    from tests.conftest import _truncate_postgres

    tmp = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        path = tmp / "fuzz.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("_postgres_migrated")
        _truncate_postgres(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_DIR": tmp,
                      "SECRET_KEY": "fuzz", "RIVER_NETWORK": network, "PLAN_SET": plan_set,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "FIXED_NOW": NOW})
    db = app.extensions["database"]
    ledger = WriteLedger(db.engine)
    with db.session() as s:
        accounts.create_user(s, "admin", TEST_PASSWORD, "admin", check_password=False,
                             hash_method=app.config["PASSWORD_HASH_METHOD"])
        inventory.load_sample(s, network, as_of=date(2026, 5, 20))
        staff_service.load_sample_staff(s, as_of=date(2026, 6, 20), now=NOW)
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        form_token = sess["csrf"]
    assert client.post("/login", data={"username": "admin", "password": TEST_PASSWORD,
                                       "csrf_token": form_token}).status_code == 302
    with client.session_transaction() as sess:
        client.environ_base["HTTP_X_CSRFTOKEN"] = sess["csrf"]

    spill = client.post("/api/incidents", json=SPILL)
    assert spill.status_code == 201, spill.get_json()
    incident = spill.get_json()
    item = incident["response"]["checklist"][0]
    run = client.post("/api/drills/runs", json={"scenario_id": "jetdz-chemical-park-fire",
                                                 "speed": "stepped"})
    assert run.status_code == 201, run.get_json()
    staff = client.get("/api/staff").get_json()
    staff_ids = [p["id"] for p in (staff.get("staff") or staff.get("people") or [])][:3] or [1]
    incident_path = f"/api/incidents/{incident['id']}"
    yield {
        "app": app, "client": client, "db": db, "ledger": ledger,
        "ids": {"incident_id": [incident["id"]], "item_id": [item["id"]],
                "run_id": [run.get_json()["id"]], "staff_id": staff_ids},
        "names": {"scenario_id": ["jetdz-chemical-park-fire"], "kind": ["risk_sources"],
                  "job_id": ["nightly_checks"]},
        "templates": {
            ("/api/incidents", "POST"): SPILL,
            ("/api/incidents/<int:incident_id>", "PATCH"): {"version": incident["version"],
                                                           "title": "改"},
            ("/api/incidents/<int:incident_id>/checklist/<int:item_id>", "PATCH"):
                {"status": "done", "note": "n", "version": item["version"]},
            ("/api/incidents/<int:incident_id>/observations", "POST"):
                {"lon": 126.6, "lat": 43.9, "observed_at": "2026-07-23T09:50+08:00",
                 "concentration_mg_l": 0.5},
            ("/api/drills/runs", "POST"): {"scenario_id": "jetdz-chemical-park-fire",
                                           "speed": "stepped"},
            ("/api/drills/runs/<int:run_id>/step", "POST"): {"minutes": 5},
            ("/api/drills/runs/<int:run_id>/speed", "POST"): {"speed": 60},
            ("/api/staff", "POST"): {"name": "测试", "role": "duty_officer", "phone": "1"},
            ("/api/duty/log", "POST"): {"kind": "note", "text": "x"},
            ("/api/auth/token", "POST"): {"username": "admin", "password": "wrong"},
            ("/api/inspections", "POST"): {"name": "x", "due_date": "2026-08-01",
                                           "prefectures": [], "kinds": ["enterprise"]},
        },
        "incident_path": incident_path,
    }
    db.engine.dispose()


def test_the_route_table_has_write_endpoints_to_fuzz():
    """The suite walks the real route table: it cannot pass by finding nothing to test."""
    assert len(ROUTES) >= 40
    assert ("/api/incidents/<int:incident_id>", "PATCH", "incidents.update") in ROUTES
    assert ("/api/auth/token", "POST", "auth.issue_token") in ROUTES
    assert "mass_kg" in FIELDS and "scenario_id" in FIELDS


@pytest.mark.parametrize(("rule", "method", "endpoint"), ROUTES,
                         ids=[f"{m} {r}" for r, m, _ in ROUTES])
def test_no_body_or_id_gets_a_5xx_and_a_refusal_changes_nothing(world, rule, method, endpoint):
    client, engine, ledger = world["client"], world["db"].engine, world["ledger"]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=PHASES,
              suppress_health_check=list(HealthCheck))
    @given(url=_url_strategy(rule, world), body=_body_strategy(rule, method, world))
    def check(url: str, body: bytes) -> None:
        before = ledger.fingerprint(engine)
        resp = client.open(url, method=method, data=body, content_type="application/json")
        assert resp.status_code < 500, (method, url[:200], body[:300],
                                        resp.get_data(as_text=True)[:500])
        if 400 <= resp.status_code < 500:
            assert ledger.fingerprint(engine) == before, (method, url[:200], body[:300],
                                                          resp.status_code)

    check()
