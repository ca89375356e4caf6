"""A duty manager generates this month's roster in the browser, reviews it, publishes it, and the
header shows who is on duty; a duty officer logs a call and records the shift's handover."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e


def _ensure_sample_staff(page) -> None:
    """The live server starts with no duty staff: import the 40 sample people (示例) through the
    staff import API, as a duty manager would upload the spreadsheet."""
    from emergency.roster.sample_staff import sample_staff
    from emergency.roster.staff_table import write_staff_csv

    if page.request.get(page.base_url + "/api/staff").json()["count"]:
        return
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    resp = page.request.post(
        page.base_url + "/api/staff/import", headers={"X-CSRFToken": token},
        multipart={"file": {"name": "值班人员.csv", "mimeType": "text/csv",
                            "buffer": write_staff_csv(sample_staff(today))}})
    assert resp.ok, resp.text()


def test_a_manager_generates_and_publishes_the_month_and_the_header_shows_who_is_on_duty(
        page, log_in, shot):
    log_in(page, "admin")
    page.wait_for_url(page.base_url + "/")
    _ensure_sample_staff(page)
    page.goto(page.base_url + "/duty")
    assert page.locator("h1").inner_text() == "值班排班"
    if page.locator("#duty-publish").is_disabled() and \
            page.locator("#duty-status .published").count():
        pytest.skip("this month is already published in this server")  # a rerun in one session
    page.click("#duty-generate-month")
    page.wait_for_selector("#duty-status .draft")
    page.wait_for_selector(".duty-chip")
    assert page.locator("#duty-all-met").inner_text().endswith("全部硬性规则均已满足")
    assert page.locator("#duty-grid tbody tr").count() >= 28
    shot(page, "duty_draft_zh")

    # Select two duties of different people: the page offers the swap (accepted or refused
    # with reasons, either way a clear message), then clear the selection.
    chips = page.locator('#duty-grid td[data-position="duty_officer"] .duty-chip.can')
    chips.nth(0).click()
    chips.nth(12).click()
    assert page.locator("#duty-swap").is_visible()
    page.click("#duty-swap")
    page.wait_for_selector("#duty-message:not([hidden])")
    assert page.locator("#duty-message").inner_text()

    page.wait_for_selector("#duty:not(.busy)")  # the page has shown the swap's result
    # A selection not yet swapped: publishing asks first (dismissed: nothing published).
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    chips.nth(3).click()
    page.click("#duty-publish")
    page.wait_for_selector("#duty:not(.busy)")
    assert asked and "尚未换班或替班" in asked[0]
    assert page.locator("#duty-status .draft").count() == 1
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#duty-publish")
    page.wait_for_selector("#duty-status .published")
    header = page.locator("#eec-on-duty")
    assert "今日值班" in header.inner_text()
    leader = header.locator('[data-role="leader"]')
    assert leader.count() == 1 and "带班领导" in leader.inner_text()
    assert "(示例)" in header.locator('[data-role="duty_officer"]').inner_text()
    now = page.request.get(page.base_url + "/api/duty/now").json()
    assert now["leader"][0]["name"] in leader.inner_text()
    shot(page, "duty_published_header_zh")

    page.goto(page.base_url + "/")  # every page's header
    assert now["leader"][0]["name"] in page.locator("#eec-on-duty").inner_text()

    page.goto(page.base_url + "/duty?lang=en")
    page.wait_for_selector(".duty-chip")
    assert page.locator("h1").inner_text() == "Duty roster"
    shot(page, "duty_published_en")
    page.goto(page.base_url + page.locator("#duty-print").get_attribute("href"))
    assert page.locator("tbody tr").count() >= 28
    shot(page, "duty_print", full_page=True)


def _link(page, staff_id: int, username: str) -> None:
    """As a duty manager would on the staff list: this person logs in as ``username``."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    staff = page.request.get(page.base_url + "/api/staff").json()["staff"]
    for other in staff:  # an account belongs to one person: unlink it elsewhere first
        if other.get("username") == username and other["id"] != staff_id:
            page.request.patch(page.base_url + f"/api/staff/{other['id']}",
                               headers={"X-CSRFToken": token}, data={"username": ""})
    resp = page.request.patch(page.base_url + f"/api/staff/{staff_id}",
                              headers={"X-CSRFToken": token}, data={"username": username})
    assert resp.ok, resp.text()


def test_a_duty_manager_swaps_two_duties_on_the_published_roster_with_a_reason_and_both_are_told(
        page, log_in, shot):
    log_in(page, "duty_manager")
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/duty")
    page.wait_for_selector(".duty-chip")
    if not page.locator("#duty-status .published").count():
        pytest.skip("no published roster this month in this server")
    page.on("dialog", lambda dialog: dialog.accept())
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    chips = page.locator('#duty-grid tr[data-date] td[data-position="duty_officer"] .duty-chip.can')
    future = [i for i in range(chips.count())
              if chips.nth(i).locator("xpath=ancestor::tr").get_attribute("data-date") > today]
    if len(future) < 8:
        pytest.skip("too few duties left this month to swap")
    done = None
    for first, second in [(future[0], future[-1]), (future[1], future[-2]), (future[2], future[-3]),
                          (future[0], future[-3]), (future[3], future[-1])]:
        a, b = chips.nth(first), chips.nth(second)
        names = (a.inner_text(), b.inner_text())
        ids = (a.get_attribute("data-staff"), b.get_attribute("data-staff"))
        if ids[0] == ids[1]:
            continue
        a.click()
        b.click()
        assert page.locator("#duty-change-reason").is_visible()  # a published roster
        page.click("#duty-swap")  # without a reason: refused on the page, nothing sent
        assert "原因" in page.locator("#duty-message").inner_text()
        page.fill("#duty-change-reason", "家中有事,与同事调换")
        page.click("#duty-swap")
        page.wait_for_selector("#duty:not(.busy)")
        if "duty-message ok" in (page.locator("#duty-message").get_attribute("class") or "") or \
                page.locator("#duty-message.ok").count():
            done = (names, ids)
            break
        if page.locator("#duty-clear").is_visible():
            page.click("#duty-clear")
    if done is None:
        pytest.skip("no rule-keeping swap among the pairs tried")
    (name_a, name_b), (id_a, id_b) = done
    message = page.locator("#duty-message").inner_text()
    assert "原因:家中有事" in message and name_a in message and name_b in message
    assert not re.search(r"[（(]\d+[）)]", message)  # names, never internal ids
    shot(page, "duty_swap_reason_zh")
    # link the two people to their accounts: one on the page, as a manager does, one by API
    page.select_option("#duty-feed-person", id_a)
    page.fill("#duty-staff-username", "officer_a")
    page.click("#duty-staff-username-save")
    page.wait_for_selector("#duty-message.ok")
    assert "officer_a" in page.locator("#duty-message").inner_text()
    _link(page, int(id_b), "officer_b")

    for username in ("officer_a", "officer_b"):
        page.context.clear_cookies()
        log_in(page, username)
        page.wait_for_url(page.base_url + "/")
        assert page.locator("#eec-bell-count").inner_text() == "1"
        page.click("#eec-bell")
        page.wait_for_selector("#nt-list")
        item = page.locator(".eec-notification.unread").first
        assert name_a in item.inner_text() and name_b in item.inner_text()
        assert "家中有事" in item.inner_text()
        shot(page, f"duty_notification_{username}")
        item.locator(".nt-mark-read").click()
        page.wait_for_selector(".eec-notification.read")
        assert page.locator("#eec-bell-count").count() == 0

    # The header at 1366 px with the bell, in both languages: role, name, then phone; no name
    # cut (the brand gives way), the account and logout still on screen.
    for lang in ("zh", "en"):
        page.goto(page.base_url + f"/duty?lang={lang}")
        header = page.locator("#eec-on-duty")
        names = header.locator(".eec-on-duty-names")
        assert names.count() == 2
        for i in range(names.count()):
            assert names.nth(i).evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            line = names.nth(i).locator("xpath=..")
            order = line.evaluate("e => Array.from(e.children).map(c => c.className)")
            assert order[:2] == ["eec-on-duty-role", "eec-on-duty-names"]
        assert page.locator("#eec-bell").is_visible()
        nav = page.locator(".eec-nav").bounding_box()
        assert nav["x"] + nav["width"] <= header.bounding_box()["x"]  # nothing overlaps
        box = page.locator(".eec-logout button").bounding_box()
        assert box and box["x"] + box["width"] <= 1366
        shot(page, f"header_1366_{lang}", clip={"x": 0, "y": 0, "width": 1366, "height": 56})


def test_a_duty_officer_logs_a_call_and_hands_over_and_the_named_receiver_acknowledges(
        page, log_in, shot):
    log_in(page, "admin")
    page.wait_for_url(page.base_url + "/")
    now = page.request.get(page.base_url + "/api/duty/now").json()
    if not now["duty_officers"]:
        pytest.skip("nobody is on duty now in this server")
    _link(page, now["duty_officers"][0]["staff_id"], "duty_officer")
    incoming = page.request.get(page.base_url + "/api/duty/handover").json()["incoming"]
    receiver = next((p for p in incoming["duty_officers"]
                     if p["staff_id"] != now["duty_officers"][0]["staff_id"]), None)
    if receiver is None:
        pytest.skip("no other duty officer on the next shift")
    _link(page, receiver["staff_id"], "officer_c")

    page.context.clear_cookies()
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/duty")
    assert page.locator("#duty-generate-month").count() == 0  # officers do not make rosters
    page.select_option("#duty-log-kind", "call")
    page.fill("#duty-log-caller", "王某")
    page.fill("#duty-log-unit", "长春市生态环境局")
    page.fill("#duty-log-phone", "0431-0000000")
    page.fill("#duty-log-text", "饮马河下游未见异常")
    page.click("#duty-log-submit")
    page.wait_for_selector(".duty-log-entry.k-call")
    assert "王某" in page.locator(".duty-log-entry.k-call").first.inner_text()
    # The handover form sits above the task list; the receiver is picked from the next shift.
    form_y = page.locator("#duty-handover-form").bounding_box()["y"]
    assert form_y < page.locator("#duty-handover-details").bounding_box()["y"]
    page.wait_for_selector(f'#duty-receiver option[value="{receiver["staff_id"]}"]',
                           state="attached")
    page.select_option("#duty-receiver", str(receiver["staff_id"]))
    page.fill("#duty-handover-note", "无未结事项")
    page.click("#duty-handover-submit")
    page.wait_for_selector(".duty-log-entry.k-handover")
    assert "待接班确认" in page.locator("#duty-handovers").inner_text()
    assert now["duty_officers"][0]["name"] in page.locator("#duty-handovers").inner_text()
    form = page.locator("#duty-log-form").bounding_box()
    panel = page.locator("#duty-log-panel").bounding_box()
    assert panel["x"] <= form["x"] and form["x"] + form["width"] <= panel["x"] + panel["width"]
    assert page.locator("#duty-handovers .duty-ack").count() == 0  # the giver cannot confirm
    shot(page, "duty_log_handover_zh")

    page.context.clear_cookies()
    log_in(page, "officer_c")
    page.wait_for_url(page.base_url + "/")
    assert int(page.locator("#eec-bell-count").inner_text()) >= 1
    page.goto(page.base_url + "/duty")
    page.wait_for_selector("#duty-handovers .duty-ack")
    page.click("#duty-handovers .duty-ack")
    page.wait_for_selector("#duty-handovers .duty-handover-item:not(.pending)")
    assert "已确认接班" in page.locator("#duty-handovers").inner_text()
    assert "接班确认:" + receiver["name"] in page.locator("#duty-log").inner_text()
    shot(page, "duty_handover_acknowledged_zh")


def test_a_manager_withdraws_the_rest_of_the_month_and_makes_a_calendar_address(
        page, log_in, shot):
    """After the first test published this month: withdraw the days after today (forced, the
    month has started) with a reason, see whom to tell; then make a person's calendar address
    and fetch it without any cookie."""
    import urllib.request
    from datetime import timedelta

    log_in(page, "admin")
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/duty")
    page.wait_for_selector(".duty-chip")
    if page.locator("#duty-withdraw").is_disabled():
        pytest.skip("no published roster this month in this server")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    running = (now - timedelta(hours=8, minutes=30)).date()  # the 08:30 handover
    if (running + timedelta(days=1)).month != running.month:
        pytest.skip("the month's last duty day is running: nothing left to withdraw")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#duty-withdraw")
    assert page.locator("#duty-withdraw-force-box").is_visible()  # the month has started
    page.fill("#duty-withdraw-reason", "带班领导调整,重新排后续值班")
    page.check("#duty-withdraw-force")
    shot(page, "duty_withdraw_form_zh")
    page.click("#duty-withdraw-submit")
    page.wait_for_selector("#duty-affected li")
    assert "已撤回" in page.locator("#duty-message").inner_text()
    assert page.locator("#duty-status .draft").count() == 1  # the withdrawn days, as a draft
    assert "今日值班" in page.locator("#eec-on-duty").inner_text()  # today's duty stays
    shot(page, "duty_withdrawn_zh")

    page.click("#duty-feed-make")
    page.wait_for_selector("#duty-feed-result:not([hidden])")
    url = page.input_value("#duty-feed-url")
    assert "/duty/feed/" in url and url.endswith(".ics")
    with urllib.request.urlopen(url, timeout=10) as resp:  # a calendar app: no cookie
        assert resp.headers["Content-Type"].startswith("text/calendar")
        assert resp.read().startswith(b"BEGIN:VCALENDAR")
    page.locator("#duty-feed-panel").scroll_into_view_if_needed()
    shot(page, "duty_feed_zh")
