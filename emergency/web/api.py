"""JSON API (/api): thin — parse, call the domain, serialise."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from emergency.web import serialize
from emergency.web.params import choice, optional_int, required_float
from rivers.admin import LEVELS
from rivers.network import RiverNetwork, named_rivers

bp = Blueprint("api", __name__, url_prefix="/api")


def network() -> RiverNetwork:
    return current_app.extensions["rivers"].get()


def _snap():
    lon = required_float("lon", "经度")
    lat = required_float("lat", "纬度")
    cfg = current_app.config
    return network().snap(lon, lat, max_distance_m=cfg["SNAP_MAX_DISTANCE_M"],
                          warn_distance_m=cfg["SNAP_WARN_DISTANCE_M"],
                          segment_id=optional_int("segment_id", "河段编号"))


@bp.get("/health")
def health():
    db_ok = current_app.extensions["database"].ping()
    net = network()
    body = {"status": "ok" if db_ok else "degraded", "database": "ok" if db_ok else "error",
            "rivers": {"segments": net.n, "named_rivers": len(named_rivers(net.data))}}
    return jsonify(body), 200 if db_ok else 503


@bp.get("/rivers")
def rivers():
    return jsonify({"rivers": [serialize.river_dict(r) for r in named_rivers(network().data)]})


@bp.get("/snap")
def snap():
    return jsonify(serialize.snap_dict(_snap()))


@bp.get("/trace")
def trace():
    direction = choice("direction", ("down", "up"), "down")
    snapped = _snap()
    net = network()
    result = (net.trace_downstream(snapped.position) if direction == "down"
              else net.trace_upstream(snapped.position))
    return jsonify(serialize.trace_dict(result, snapped))


@bp.get("/locate")
def locate():
    found = network().locate(required_float("lon", "经度"), required_float("lat", "纬度"))
    return jsonify({level: serialize.unit_dict(found[level]) for level in LEVELS})
