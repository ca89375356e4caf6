"""The duty API: who is on duty now, the month as JSON, XLSX/CSV/print exports, the iCal feed,
edits refused with reasons, staff files, and who may do what."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 16, 9, 0, tzinfo=SH)  # 主汛期: two duty officers a day


@pytest.fixture
def staffed(app):
    """The 40 sample people, and the clock pinned to 16 July 2026 09:00."""
    from emergency.roster import staff_service

    app.config["FIXED_NOW"] = NOW
    with app.extensions["database"].session() as s:
        staff_service.load_sample_staff(s, as_of=datetime(2026, 6, 20).date(), now=NOW)
    return app


@pytest.fixture
def july(client, staffed):
    """July 2026 generated (on 20 June: a roster never fills days already past) and published
    through the API; returns the month JSON."""
    staffed.config["FIXED_NOW"] = datetime(2026, 6, 20, 9, 0, tzinfo=SH)
    made = client.post("/api/rosters", json={"month": "2026-07"})
    staffed.config["FIXED_NOW"] = NOW
    assert made.status_code == 201, made.get_json()
    published = client.post(f"/api/rosters/{made.get_json()['id']}/publish",
                            json={"revision": made.get_json()["revision"]})
    assert published.status_code == 200, published.get_json()
    return client.get("/api/rosters/2026-07").get_json()


def test_duty_now_says_plainly_when_no_roster_is_published(client, staffed):
    body = client.get("/api/duty/now").get_json()
    assert body["roster"] is None
    assert body["leader"] == [] and body["duty_officers"] == [] and body["liaisons"] == []
    assert "没有已发布" in body["message_zh"] and "no published roster" in body["message_en"]
    assert [p["id"] for p in body["positions"]] == ["duty_officer", "liaison", "leader"]


def test_duty_now_names_the_leader_officers_and_liaison_with_phones(client, july):
    body = client.get("/api/duty/now").get_json()
    assert body["roster"]["version"] == 1 and body["message_zh"] is None
    assert len(body["leader"]) == 1 and len(body["duty_officers"]) == 2
    assert len(body["liaisons"]) == 1
    for person in body["leader"] + body["duty_officers"] + body["liaisons"]:
        assert set(person) == {"staff_id", "name", "phone", "unit", "shift_start", "shift_end"}
        assert person["name"].endswith("(示例)") and person["phone"]
        assert person["shift_start"] == "2026-07-16T08:30+08:00"
    day = next(d for d in july["days"] if d["date"] == "2026-07-16")
    leader = next(a for a in day["assignments"] if a["position"] == "leader")
    assert body["leader"][0]["name"] == leader["name"]
    earlier = client.get("/api/duty/now?at=2026-07-16T08:00").get_json()
    day_before = next(d for d in july["days"] if d["date"] == "2026-07-15")
    assert earlier["leader"][0]["name"] == next(
        a["name"] for a in day_before["assignments"] if a["position"] == "leader")


def test_the_header_of_every_page_shows_who_is_on_duty(client, july):
    now = client.get("/api/duty/now").get_json()
    html = client.get("/duty").get_data(as_text=True)
    header = html.split('id="eec-on-duty"', 1)[1].split("</a>", 1)[0]
    assert now["leader"][0]["name"] in header
    assert all(p["name"] in header for p in now["duty_officers"])
    assert now["duty_officers"][0]["phone"] in header


def test_the_header_says_when_nothing_is_rostered(client, staffed):
    html = client.get("/duty").get_data(as_text=True)
    assert "暂无已发布值班表" in html.split('id="eec-on-duty"', 1)[1].split("</a>", 1)[0]


def test_the_month_json_has_every_day_its_duties_checks_and_fairness(july):
    assert july["month"] == "2026-07" and july["status"] == "published"
    assert len(july["days"]) == 31
    day = next(d for d in july["days"] if d["date"] == "2026-07-16")
    assert day["label"]["main_flood"] and day["label"]["flood_season"]
    positions = sorted(a["position"] for a in day["assignments"])
    assert positions == ["duty_officer", "duty_officer", "leader", "liaison"]
    roster = july["rosters"][0]
    assert roster["hard_violations"] == [] and roster["version"] == 1
    assert roster["fairness"]["within_target"] is True
    assert {s["staff_id"] for s in roster["stats"]} >= {a["staff_id"] for a in day["assignments"]}
    assert len(july["staff"]) == 40


def test_the_month_exports_as_an_xlsx_that_opens_and_as_a_csv_excel_reads(client, july):
    resp = client.get("/api/rosters/2026-07.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2026年7月值班表"
    assert rows[1][:5] == ("日期", "星期", "日期类型", "班次", "时间")
    assert "带班领导" in rows[1] and "值班员电话" in rows[1]
    data_rows = [r for r in rows[2:] if isinstance(r[0], datetime)]
    assert len(data_rows) == 31
    july_16 = next(r for r in data_rows if r[0].day == 16)
    officers = july_16[rows[1].index("值班员")]
    assert len(officers.split("、")) == 2
    csv = client.get("/api/rosters/2026-07.csv")
    assert csv.data.startswith(b"\xef\xbb\xbf") and "charset=utf-8" in csv.content_type
    assert len(csv.data.decode("utf-8-sig").strip().splitlines()) == 32


def test_the_printable_month_is_a4_landscape_html(client, july):
    resp = client.get("/api/rosters/2026-07/print")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "size: A4 landscape" in html and "2026年7月 值班表" in html
    assert html.count('<tr class="') == 31


def test_the_ical_feed_is_a_well_formed_calendar_of_the_persons_duties(client, july):
    person = july["days"][0]["assignments"][0]
    mine = [a for d in july["days"] for a in d["assignments"]
            if a["staff_id"] == person["staff_id"]]
    resp = client.get(f"/api/staff/{person['staff_id']}/duty.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    text = resp.get_data(as_text=True)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]
    stack = []
    for line in unfolded:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert stack == [] and unfolded[0] == "BEGIN:VCALENDAR"
    events = [x for x in unfolded if x == "BEGIN:VEVENT"]
    assert len(events) == len(mine)
    assert sum(x.startswith("DTSTART;TZID=Asia/Shanghai:") for x in unfolded) == len(mine)
    uids = [x for x in unfolded if x.startswith("UID:")]
    assert len(set(uids)) == len(uids)


def test_a_swap_that_breaks_a_rule_is_refused_with_reasons(client, july):
    days = july["days"]
    first = next(a for a in days[0]["assignments"] if a["position"] == "duty_officer")
    nxt = next(a for d in days for a in d["assignments"]
               if a["staff_id"] == first["staff_id"] and a["date"] > first["date"])
    before = [d for d in days if d["date"] < nxt["date"]][-1]
    other = next(a for a in before["assignments"] if a["position"] == "duty_officer"
                 and a["staff_id"] != first["staff_id"])
    resp = client.post(f"/api/rosters/{first['roster_id']}/swap",
                       json={"a": first["id"], "b": other["id"], "reason": "调休"})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "refused" and error["message_zh"].startswith("换班不符合规则")
    assert "min_rest" in {r["rule"] for r in error["details"]["reasons"]}
    assert all(r["message_zh"] and r["message_en"] for r in error["details"]["reasons"])


def test_a_stale_revision_gets_409_and_bad_input_gets_400_never_500(client, july):
    roster_id = july["rosters"][0]["id"]
    a, b = july["days"][0]["assignments"][:2]
    stale = client.post(f"/api/rosters/{roster_id}/swap", json={"a": a["id"], "b": b["id"],
                                                                "revision": 0})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale"
    assert client.post(f"/api/rosters/{roster_id}/swap", json={"a": "x"}).status_code == 400
    assert client.post(f"/api/rosters/{roster_id}/swap", data="nope").status_code == 400
    assert client.post(f"/api/rosters/{roster_id}/publish").status_code == 409
    assert client.get("/api/rosters/2026-13").status_code == 404
    assert client.get("/api/rosters/2026-07.pdf").status_code == 404
    assert client.get("/api/rosters/999").status_code == 404
    assert client.post("/api/rosters", json={}).status_code == 400
    again = client.post("/api/rosters", json={"month": "2026-07"})
    assert again.status_code == 409 and "已发布" in again.get_json()["error"]["message_zh"]
    assert client.get("/api/duty/now?at=yesterday").status_code == 400
    assert client.get("/api/staff/999/duty.ics").status_code == 404


def test_a_viewer_reads_but_cannot_generate_or_publish(app, staffed, make_user, login, client):
    made = client.post("/api/rosters", json={"month": "2026-08"}).get_json()
    viewer = app.test_client()
    login(viewer, make_user("viewer"))
    assert viewer.get("/api/rosters/2026-08").status_code == 200
    assert viewer.get("/api/duty/now").status_code == 200
    refused = viewer.post(f"/api/rosters/{made['id']}/publish", json={})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["details"]["permission"] == "duty.manage"
    assert viewer.post("/api/rosters", json={"month": "2026-09"}).status_code == 403
    assert viewer.post("/api/duty/log", json={"kind": "note", "text": "x"}).status_code == 403
    html = viewer.get("/duty").get_data(as_text=True)
    assert 'id="duty-publish"' not in html and 'id="duty-log-form"' not in html


def _linked(app, make_user, login, client, staff_id: int, role: str = "duty_officer"):
    """A logged-in client whose account is linked to the duty-staff member ``staff_id``."""
    user = make_user(role)
    linked = client.patch(f"/api/staff/{staff_id}", json={"username": user.username})
    assert linked.status_code == 200, linked.get_json()
    other = app.test_client()
    login(other, user)
    return other


def test_a_duty_officer_on_shift_logs_a_call_and_hands_over_to_a_named_receiver(
        app, make_user, login, client, july):
    now = client.get("/api/duty/now").get_json()
    officer = _linked(app, make_user, login, client, now["duty_officers"][0]["staff_id"])
    made = client.post("/api/rosters", json={"month": "2026-08"}).get_json()
    assert officer.post(f"/api/rosters/{made['id']}/publish", json={}).status_code == 403
    entry = officer.post("/api/duty/log", json={
        "kind": "call", "text": "饮马河下游群众反映河水发黑", "occurred_at": "2026-07-16T08:52",
        "caller": "王某", "caller_unit": "九台区某村", "caller_phone": "0431-0000000"})
    assert entry.status_code == 201, entry.get_json()
    body = entry.get_json()
    assert body["duty_date"] == "2026-07-16" and body["shift"] == "24h"
    assert body["occurred_at"] == "2026-07-16T08:52+08:00"
    assert body["at"] == "2026-07-16T09:00+08:00"  # typed later than the call came
    assert (body["caller"], body["caller_unit"], body["caller_phone"], body["kind_zh"]) == (
        "王某", "九台区某村", "0431-0000000", "来电")
    fixed = officer.post("/api/duty/log", json={"kind": "call", "text": "更正:来电单位为九台区某镇",
                                                "corrects": body["id"]})
    assert fixed.status_code == 201 and fixed.get_json()["corrects"] == body["id"]
    assert officer.put(f"/api/duty/log/{body['id']}", json={}).status_code in (404, 405)

    view = officer.get("/api/duty/handover").get_json()
    assert view["shift"]["start"] == "2026-07-16T08:30+08:00"
    incoming = [p for p in view["incoming"]["duty_officers"]]
    assert incoming and view["summary"]["open_incidents"] == 0
    nobody = officer.post("/api/duty/handover", json={"note": "无"})
    assert nobody.status_code == 422  # the receiver is picked, not typed
    stranger = next(s for s in july["staff"] if s["id"] not in
                    {p["staff_id"] for p in incoming} | {now["duty_officers"][0]["staff_id"]}
                    and "duty_officer" in s["roles"])
    wrong = officer.post("/api/duty/handover", json={"received_staff_id": stranger["id"]})
    assert wrong.status_code == 422
    handed = officer.post("/api/duty/handover", json={"received_staff_id": incoming[0]["staff_id"],
                                                      "note": "继续关注饮马河"})
    assert handed.status_code == 201, handed.get_json()
    assert handed.get_json()["received_by"] == incoming[0]["name"]
    handover_id = handed.get_json()["id"]
    view = officer.get("/api/duty/handover").get_json()
    assert view["handovers"][0]["acknowledged"] is False
    assert view["summary"]["unacknowledged"] == 1

    # Only the named receiver acknowledges (the giver cannot, nor a second time).
    assert officer.post(f"/api/duty/handover/{handover_id}/ack").status_code == 403
    receiver = _linked(app, make_user, login, client, incoming[0]["staff_id"])
    bell = receiver.get("/api/notifications").get_json()
    assert bell["unread"] == 1 and incoming[0]["name"] == bell["staff"]["name"]
    assert "交接给您" in bell["items"][0]["text_zh"]
    ack = receiver.post(f"/api/duty/handover/{handover_id}/ack")
    assert ack.status_code == 200 and ack.get_json()["acknowledged_name"] == incoming[0]["name"]
    assert receiver.post(f"/api/duty/handover/{handover_id}/ack").status_code == 409
    view = officer.get("/api/duty/handover").get_json()
    assert view["handovers"][0]["acknowledged"] is True
    assert view["summary"]["unacknowledged"] == 0
    log = [e["text"] for e in officer.get("/api/duty/log").get_json()["entries"]]
    assert any(t.startswith("接班确认:" + incoming[0]["name"]) for t in log)


def test_only_the_people_on_the_shift_and_duty_managers_write_todays_log(
        app, make_user, login, client, july):
    now = client.get("/api/duty/now").get_json()
    on_duty = {p["staff_id"] for p in now["leader"] + now["duty_officers"] + now["liaisons"]}
    off = next(s for s in july["staff"] if s["id"] not in on_duty)
    off_duty = _linked(app, make_user, login, client, off["id"])
    refused = off_duty.post("/api/duty/log", json={"kind": "call", "text": "试写"})
    assert refused.status_code == 403
    assert "本班次值班人员" in refused.get_json()["error"]["message_zh"]
    unlinked = app.test_client()
    login(unlinked, make_user("duty_officer"))
    assert unlinked.post("/api/duty/log", json={"kind": "note", "text": "x"}).status_code == 403
    manager = app.test_client()
    login(manager, make_user("duty_manager"))
    assert manager.post("/api/duty/log", json={"kind": "instruction",
                                               "text": "省厅指示:加密监测"}).status_code == 201
    future = manager.post("/api/duty/log", json={"kind": "call", "text": "x",
                                                 "occurred_at": "2026-07-16T12:00"})
    assert future.status_code == 422
    assert {p["field"] for p in future.get_json()["error"]["details"]["problems"]} == {
        "occurred_at"}
    kinds = client.get("/api/duty/log").get_json()["categories"]
    assert kinds == ["call", "document", "report", "instruction", "other"]


def test_a_duty_manager_swaps_on_a_published_roster_with_a_reason_and_both_are_told(
        app, make_user, login, client, july):
    manager = app.test_client()
    login(manager, make_user("duty_manager"))
    roster_id = july["rosters"][0]["id"]
    officers = [a for d in july["days"][18:] for a in d["assignments"]
                if a["position"] == "duty_officer"]
    no_reason = manager.post(f"/api/rosters/{roster_id}/swap",
                             json={"a": officers[0]["id"], "b": officers[-1]["id"]})
    assert no_reason.status_code == 422
    assert no_reason.get_json()["error"]["details"]["problems"][0]["field"] == "reason"
    for a in officers:
        for b in reversed(officers):
            if a["staff_id"] == b["staff_id"] or abs(int(a["date"][8:]) - int(b["date"][8:])) < 4:
                continue
            resp = manager.post(f"/api/rosters/{roster_id}/swap",
                                json={"a": a["id"], "b": b["id"], "reason": "家中有事,调换"})
            if resp.status_code == 200:
                break
        else:
            continue
        break
    else:
        pytest.fail("no rule-keeping swap")
    change = resp.get_json()["change"]
    assert change["version"] == 2 and "原因:家中有事,调换" in change["text_zh"]
    assert a["name"] in change["text_zh"] and b["name"] in change["text_zh"]
    assert not re.search(r"[（(]\d+[）)]", change["text_zh"])  # names, never internal ids
    for person in (a, b):
        client_ = _linked(app, make_user, login, client, person["staff_id"])
        bell = client_.get("/api/notifications").get_json()
        assert bell["unread"] == 1
        text = bell["items"][0]["text_zh"]
        assert a["name"] in text and b["name"] in text and "家中有事" in text
        page = client_.get("/duty").get_data(as_text=True)
        assert 'id="eec-bell-count">1<' in page
        assert client_.post("/api/notifications/read", json={}).get_json()["unread"] == 0
    log = client.get("/api/duty/log").get_json()["entries"]
    assert any(e["kind"] == "roster" and "家中有事" in e["text"] for e in log)
    # the calendar feed's next refresh carries it, on the duty the person now holds
    feed = client.get(f"/api/staff/{a['staff_id']}/duty.ics").get_data(as_text=True)
    unfolded = feed.replace("\r\n ", "")
    event = next(e for e in unfolded.split("BEGIN:VEVENT")
                 if f"DTSTART;TZID=Asia/Shanghai:{b['date'].replace('-', '')}" in e)
    assert "您的值班已调整" in event and "家中有事" in event


def test_a_bad_log_entry_is_422_with_each_field_named(client, staffed):
    resp = client.post("/api/duty/log", json={"kind": "gossip", "text": ""})
    assert resp.status_code == 422
    fields = {p["field"] for p in resp.get_json()["error"]["details"]["problems"]}
    assert fields == {"kind", "text"}


def test_staff_round_trip_through_xlsx_and_a_bad_file_imports_nothing(client, staffed):
    xlsx = client.get("/api/staff.xlsx")
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["值班人员", "填表说明"]
    headings = [c.value for c in workbook["值班人员"][1]]
    assert headings[:5] == ["编号", "姓名", "单位", "联系电话", "值班岗位"]
    same = client.post("/api/staff/import",
                       data={"file": (io.BytesIO(xlsx.data), "值班人员.xlsx")})
    assert same.status_code == 200, same.get_json()
    assert (same.get_json()["created"], same.get_json()["updated"]) == (0, 40)
    sheet = workbook["值班人员"]
    sheet.append([None, "新同事", "某处", "", "扫地", None, "是", None, "否", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    bad = client.post("/api/staff/import", data={"file": (io.BytesIO(buffer.getvalue()),
                                                           "staff.xlsx")})
    assert bad.status_code == 422
    problems = bad.get_json()["error"]["details"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {(42, "联系电话"), (42, "值班岗位")}
    assert client.get("/api/staff").get_json()["count"] == 40


def test_staff_are_created_changed_and_kept_when_on_a_roster(client, july):
    created = client.post("/api/staff", json={"name": "新同事", "phone": "0431-88886666",
                                              "roles": "值班员、联络员", "unit": "应急处"})
    assert created.status_code == 201
    person = created.get_json()
    assert person["roles"] == ["duty_officer", "liaison"]
    changed = client.patch(f"/api/staff/{person['id']}", json={"unit": "办公室",
                                                                "version": person["version"]})
    assert changed.status_code == 200 and changed.get_json()["unit"] == "办公室"
    away = client.post(f"/api/staff/{person['id']}/unavailability",
                       json={"start": "2026-08-01", "end": "2026-08-05", "reason": "出差"})
    assert away.status_code == 201 and away.get_json()["unavailable"][0]["reason"] == "trip"
    assert client.delete(f"/api/staff/{person['id']}").status_code == 204
    rostered = july["days"][0]["assignments"][0]["staff_id"]
    kept = client.delete(f"/api/staff/{rostered}")
    assert kept.status_code == 409 and "不在岗" in kept.get_json()["error"]["message_zh"]
    invalid = client.post("/api/staff", json={"name": "", "roles": "保安"})
    assert invalid.status_code == 422


def test_versions_and_changes_are_readable_after_an_edit(client, july):
    roster_id = july["rosters"][0]["id"]
    staff = {s["id"]: s for s in july["staff"]}
    # Replace a leader by a leader who is free that week (found by asking the API).
    target = next(a for a in july["days"][20]["assignments"] if a["position"] == "leader")
    leaders = [s for s in staff.values() if "leader" in s["roles"]
               and s["id"] != target["staff_id"]]
    for candidate in leaders:
        resp = client.post(f"/api/rosters/{roster_id}/replace",
                           json={"assignment": target["id"], "staff_id": candidate["id"],
                                 "reason": "出差"})
        if resp.status_code == 200:
            break
        assert resp.status_code == 422
    else:
        pytest.fail("no leader could take the duty")
    assert resp.get_json()["change"]["version"] == 2
    versions = client.get(f"/api/rosters/{roster_id}/versions").get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    first = client.get(f"/api/rosters/{roster_id}/versions/1").get_json()
    kept = next(a for a in first["assignments"] if a["id"] == target["id"])
    assert kept["staff_id"] == target["staff_id"]
    changes = client.get(f"/api/rosters/{roster_id}/changes").get_json()["changes"]
    assert [c["kind"] for c in changes] == ["generate", "publish", "replace"]


def test_the_duty_page_renders_in_chinese_and_english(client, staffed):
    zh = client.get("/duty?month=2026-07").get_data(as_text=True)
    assert "值班排班" in zh and 'data-month="2026-07"' in zh
    en = client.get("/duty?month=2026-07&lang=en").get_data(as_text=True)
    assert "Duty roster" in en and "Generate month draft" in en
    assert 'data-month="2026-07"' in client.get("/duty?month=bad").get_data(as_text=True)


def test_the_incident_response_package_names_who_is_on_duty(client, july):
    spill = {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 2000,
             "occurred_at": "2026-07-16T08:40+08:00", "discovered_at": "2026-07-16T08:50+08:00"}
    resp = client.post("/api/incidents", json=spill)
    assert resp.status_code == 201, resp.get_json()
    on_duty = resp.get_json()["response"]["on_duty"]
    now = client.get("/api/duty/now").get_json()
    assert on_duty["leader"] == now["leader"] and len(on_duty["duty_officers"]) == 2
    assert on_duty["roster"]["id"] == july["rosters"][0]["id"]
    again = client.get(f"/api/incidents/{resp.get_json()['id']}/response").get_json()
    assert again["on_duty"]["duty_officers"] == now["duty_officers"]
    handover = client.get("/api/duty/handover").get_json()
    assert [i["id"] for i in handover["open_incidents"]] == [resp.get_json()["id"]]
    assert handover["open_items"] == len(handover["open_incidents"][0]["open_items"]) > 0


def test_data_load_adds_the_sample_duty_staff_once(app, runner):
    first = runner.invoke(args=["data", "load"])
    assert first.exit_code == 0, first.output
    assert "duty staff: loaded 40 sample people (示例); 40 in the database" in first.output
    again = runner.invoke(args=["data", "load"])
    assert "duty staff: kept (table not empty); 40 in the database" in again.output


def test_the_login_page_shows_no_one_on_duty_to_a_visitor(anon_client, july):
    html = anon_client.get("/login").get_data(as_text=True)
    assert 'id="eec-on-duty"' not in html and "(示例)" not in html


def test_the_duty_page_warns_of_coming_seats_no_published_roster_covers(client, staffed, july):
    # July is published: the next 14 days from 16 July are covered
    assert 'id="duty-gaps"' not in client.get("/duty").get_data(as_text=True)
    staffed.config["FIXED_NOW"] = datetime(2026, 7, 25, 9, 0, tzinfo=SH)  # August is not
    page = client.get("/duty").get_data(as_text=True)
    banner = page.split('id="duty-gaps"', 1)[1].split("</div>", 1)[0]
    assert "未来 14 天有" in banner and "8月1日" in banner and "7月" not in banner
    english = client.get("/duty?lang=en").get_data(as_text=True)
    assert "duty seats in the next 14 days are on no published roster" in english


def test_the_month_asked_for_is_honoured_and_the_current_month_starts_today(app, client,
                                                                              staffed):
    app.config["FIXED_NOW"] = datetime(2026, 12, 7, 10, 0, tzinfo=SH)
    page = client.get("/duty?month=2027-01").get_data(as_text=True)
    assert 'data-month="2027-01"' in page and 'value="2027-01"' in page
    assert "month=2027-01&amp;lang=en" in page  # switching language keeps the month
    assert 'data-month="2027-01"' in client.get("/duty?month=2027-01&lang=en").get_data(
        as_text=True)
    made = client.post("/api/rosters", json={"month": "2026-12"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["period"] == {"start": "2026-12-07", "end": "2026-12-31"}
    month = client.get("/api/rosters/2026-12").get_json()
    assert all(not d["assignments"] for d in month["days"] if d["date"] < "2026-12-07")
    groups = month["rosters"][0]["fairness"]["groups"]
    assert groups == {"staff": {"zh": "值班员、联络员", "en": "Duty officer, liaison"},
                      "leaders": {"zh": "带班领导", "en": "Leader on duty"}}
