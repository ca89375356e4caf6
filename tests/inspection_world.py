"""Shared test world for the inspection tests: users per role, a risk source, helpers."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image
from sqlalchemy import func, select

from emergency.store.inventory_models import RiskSource

PREF = "长春市"


def png(colour=(200, 30, 30), size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    err = resp.get_json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"]
    return err


class World:
    def __init__(self, app, make_user, login):
        self.app = app
        self.db = app.extensions["database"]
        self.clients = {}
        for name, role, pref in (("admin", "admin", None), ("insp", "inspector", PREF),
                                 ("insp2", "inspector", PREF),
                                 ("insp_jl", "inspector", "吉林市"),
                                 ("steward", "data_steward", PREF),
                                 ("steward_jl", "data_steward", "吉林市"),
                                 ("viewer", "viewer", None)):
            c = app.test_client()
            login(c, make_user(role, username=name, prefecture_zh=pref))
            self.clients[name] = c
        with self.db.session() as s:
            self.source = s.scalars(select(RiskSource).where(
                RiskSource.prefecture_zh == PREF, RiskSource.kind == "enterprise")
                .order_by(RiskSource.id)).first()
            self.source_id, self.source_name = self.source.id, self.source.name

    def __getitem__(self, name):
        return self.clients[name]

    def count(self, model) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(model))

    def campaign(self, **extra) -> int:
        body = {"name": "2027 汛前环境风险隐患排查", "kinds": ["enterprise"],
                "prefectures": [PREF], "due_date": "2027-05-31"} | extra
        resp = self["admin"].post("/api/inspections", json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def task(self, inspector="insp") -> dict:
        cid = self.campaign()
        resp = self["admin"].post(f"/api/inspections/{cid}/tasks", json={
            "tasks": [{"risk_source_id": self.source_id, "inspector": inspector}]})
        assert resp.status_code == 201, resp.get_json()
        return self["admin"].get(f"/api/inspection-tasks/{resp.get_json()['tasks'][0]['id']}"
                                 ).get_json()

    def photo(self, who="insp", data=None) -> int:
        resp = self[who].post("/api/inspection-photos", data={
            "file": (io.BytesIO(data or png()), "../../etc/passwd.png")},
            content_type="multipart/form-data")
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def answers(self, task: dict, photo_id: int | None = None) -> list[dict]:
        items = [{"item_id": i["id"], "result": "ok"} for i in task["checklist"]]
        items[1] = {"item_id": task["checklist"][1]["id"], "result": "hazard", "hazard": {
            "grade": "major", "description": "应急预案 2019 年备案后未修订(示例)",
            "responsible_unit": self.source_name, "deadline": "2026-09-30",
            "plan": {"goal": "完成预案修订备案", "measures": "委托编制、评审、备案",
                     "funds": "8 万元", "responsible": "安环部", "interim": "按旧预案值守"}}}
        items[7] = {"item_id": task["checklist"][7]["id"], "result": "hazard", "hazard": {
            "grade": "一般", "description": "事故应急池积存雨水约 40%,未保持空置",
            "responsible_unit": self.source_name,
            "photo_ids": [photo_id] if photo_id else []}}
        items[-1] = {"item_id": task["checklist"][-1]["id"], "result": "na"}
        return items


def make_world(loaded, make_user, login) -> World:
    """The app at 2026-06-10 10:00 with accounts admin, insp, insp2 (长春市), insp_jl,
    steward (长春市), steward_jl (吉林市) and viewer, each with a logged-in client."""
    loaded.config["FIXED_NOW"] = datetime(2026, 6, 10, 10, 0)
    return World(loaded, make_user, login)


def submit(world, task, photo_id=None, who="insp", **extra):
    return world[who].post(f"/api/inspection-tasks/{task['id']}/results", json={
        "items": world.answers(task, photo_id), "version": task["version"], "submit": True,
        "signed_name": "王明(示例)"} | extra)
