"""The key-river plans (一河一策一图): schema, validator, loader and the bundled sample files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from plans import PLANS_DIR, PlanValidationError, load_plans, validate_document
from plans.loader import validation_context
from plans.schema import SAMPLE_MARK
from plans.vocabulary import MEASURE_GROUPS, POLLUTANT_CLASSES, SITE_KINDS
from rivers.network import RiverPosition, named_rivers

N_NAMED = 45
IDENTIFIED = {"lafa-he", "fengmi-he", "wangqing-he", "hani-he"}


@pytest.fixture(scope="module")
def plan_set(network):
    return load_plans(network)


@pytest.fixture(scope="module")
def context(network):
    return validation_context(network)


def point_on(network, seg_id: int, fraction: float = 0.5) -> tuple[float, float]:
    i = network.index(seg_id)
    return network.lonlat_at(RiverPosition(i, float(network.data.length_m[i]) * fraction))


def minimal_plan(network, **overrides) -> dict:
    """A valid plan for 第二松花江 with one intake on segment 527 (吉林市)."""
    lon, lat = point_on(network, 527)
    doc = {
        "id": "dier-songhua-jiang",
        "name_zh": "第二松花江",
        "basin": "松花江水系",
        "sample": True,
        "sample_note_zh": "示例数据",
        "prefectures": ["吉林市"],
        "counties": ["船营区"],
        "receptors": [{
            "id": "intake-1", "kind": "intake", "name_zh": "吉林市取水口(示例)",
            "lon": lon, "lat": lat, "place_level": "prefecture_city",
            "serves_zh": "吉林市城区(示例)", "population_served": 1_000_000,
            "backup_source_zh": "地下水(示例)",
        }],
        "response_cards": {"petroleum": [
            {"text_zh": "布设围油栏", "responsible_zh": "县政府", "group": "现场污染处置"},
        ]},
        "contacts": [{"unit_zh": "吉林市生态环境局", "role_zh": "值班",
                      "phone": "0432-8xxxxx01(示例)"}],
    }
    doc.update(overrides)
    return doc


def write_plan(folder: Path, doc: dict, name: str | None = None) -> Path:
    path = folder / f"{name or doc['id']}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


# ---------------------------------------------------------------------- the bundled plans
def test_all_bundled_plans_load_and_validate(plan_set):
    assert len(plan_set.plans) == N_NAMED + len(IDENTIFIED)
    assert len(plan_set.sites) > 3 * len(plan_set.plans)


def test_the_plans_are_the_named_rivers_with_a_reach_in_jilin_plus_the_identified_ones(
        plan_set, network):
    named_ids = {r.id for r in named_rivers(network.data)}
    identified = {pid for pid, p in plan_set.plans.items() if p.identified is not None}
    assert identified == IDENTIFIED
    assert set(plan_set.plans) - identified <= named_ids
    assert len(set(plan_set.plans) - identified) == N_NAMED
    for outside in ("hulan-he", "daling", "muling", "chaor", "liao-he"):
        assert outside not in plan_set.plans
    for boundary_river in ("songhua-jiang", "nen-jiang", "lalin-he", "tumen", "yalu-jiang"):
        assert boundary_river in plan_set.plans


def test_every_plan_is_marked_sample_and_says_so(plan_set):
    for plan in plan_set.plans.values():
        assert plan.sample is True, plan.id
        assert plan.sample_note_zh and SAMPLE_MARK in plan.sample_note_zh, plan.id


def test_every_invented_name_and_phone_number_reads_as_sample(plan_set):
    for site in plan_set.sites:
        assert SAMPLE_MARK in site.name_zh, site.id
        if site.kind == "intercept":
            assert SAMPLE_MARK in site.attrs["phone"], site.id
    for plan in plan_set.plans.values():
        assert all(SAMPLE_MARK in c.phone for c in plan.contacts), plan.id


def test_site_ids_are_unique_and_carry_their_plan_id(plan_set):
    ids = [s.id for s in plan_set.sites]
    assert len(ids) == len(set(ids))
    for site in plan_set.sites:
        assert site.id == f"{site.plan_id}/{site.local_id}"
        assert site.kind in SITE_KINDS
        assert plan_set.site(site.id) is site


def test_every_plan_has_three_to_eight_sites_all_within_reach_of_its_own_river(plan_set):
    for plan in plan_set.plans.values():
        assert 3 <= len(plan.sites) <= 8, plan.id
        for site in plan.sites:
            assert site.snap_distance_m <= 3000
            assert site.segment in plan.segments, site.id


def test_drinking_water_receptors_name_the_level_of_the_place_they_serve(plan_set):
    drinking = [s for s in plan_set.sites if s.kind in ("intake", "water_source")]
    assert drinking
    for site in drinking:
        assert site.attrs["place_level"] in ("prefecture_city", "county_city", "township")
        assert site.attrs["population_served"] > 0
        assert site.attrs["backup_source_zh"]


def test_the_big_cities_draw_from_their_real_rivers_and_reservoirs(plan_set):
    def served(plan_id: str) -> set[str]:
        return {s.attrs["serves_zh"] for s in plan_set.plans[plan_id].sites
                if s.kind in ("intake", "water_source")}

    assert "吉林市城区(示例)" in served("dier-songhua-jiang")
    assert "松原市城区(示例)" in served("dier-songhua-jiang")
    assert "长春市城区(示例)" in served("yitong-he")     # 新立城水库
    assert "长春市城区(示例)" in served("yinma-he")      # 石头口门水库
    assert "延吉市城区(示例)" in served("burhatong-he")
    assert "通化市城区(示例)" in served("hun-jiang")
    dams = {s.name_zh for s in plan_set.plans["dier-songhua-jiang"].sites_of_kind("intercept")}
    assert "丰满水电站大坝(示例)" in dams


def test_rivers_leaving_jilin_have_a_cross_boundary_section(plan_set):
    def boundaries(plan_id: str) -> set[str]:
        return {s.attrs.get("boundary_zh", "") for s in plan_set.plans[plan_id].sites
                if s.kind == "section" and s.attrs["cross_boundary"]}

    assert "吉林省—黑龙江省" in boundaries("songhua-jiang")
    assert "吉林省—辽宁省" in boundaries("hun-jiang")
    assert any("朝鲜" in b for b in boundaries("tumen"))
    assert "吉林市—长春市" in boundaries("dier-songhua-jiang")


def test_response_cards_use_the_catalogue_classes_and_the_eight_measure_groups(plan_set):
    for plan in plan_set.plans.values():
        assert set(plan.response_cards) == set(POLLUTANT_CLASSES), plan.id
        for measures in plan.response_cards.values():
            assert [m.order for m in measures] == list(range(1, len(measures) + 1))
            assert all(m.group in MEASURE_GROUPS for m in measures)
    border = plan_set.plans["tumen"].response_cards["cyanide"]
    assert any(m.group == "国际通报和援助" for m in border)


def test_upstream_and_downstream_links_point_both_ways(plan_set):
    for plan in plan_set.plans.values():
        for down in plan.downstream:
            assert plan.id in plan_set.plans[down].upstream
        for up in plan.upstream:
            assert plan.id in plan_set.plans[up].downstream
    assert plan_set.plans["lafa-he"].downstream == ("jiao-he",)


def test_identified_rivers_claim_unnamed_segments_with_published_evidence(plan_set, network):
    for plan_id in IDENTIFIED:
        plan = plan_set.plans[plan_id]
        evidence = plan.identified
        assert evidence is not None
        assert evidence.confidence in ("high", "medium")
        assert evidence.sources and all(s.startswith("http") for s in evidence.sources)
        assert "course_zh" in evidence.published
        for seg_id in evidence.seg_ids:
            assert network.data.name_zh[network.index(seg_id)] is None


def test_plan_for_segment_and_sites_on_segment_find_the_plan_and_its_sites(plan_set, network):
    i = network.index(527)
    assert plan_set.plan_for_segment(i).id == "dier-songhua-jiang"
    sites = plan_set.sites_on_segment(i)
    assert sites and all(s.segment == i for s in sites)
    assert [s.offset_m for s in sites] == sorted(s.offset_m for s in sites)
    assert plan_set.plan_for_segment(network.index(543)) is None  # an unnamed channel


# ---------------------------------------------------------------------- snapping
def test_a_site_at_a_known_point_gets_its_segment_and_km_mark(network, tmp_path):
    lon, lat = point_on(network, 527, 0.25)
    doc = minimal_plan(network)
    doc["receptors"][0].update(lon=lon, lat=lat)
    write_plan(tmp_path, doc)
    site = load_plans(network, tmp_path).site("dier-songhua-jiang/intake-1")
    snap = network.snap(lon, lat)
    assert site.seg_id == 527 == snap.seg_id
    assert site.segment == network.index(527)
    assert site.offset_m == pytest.approx(snap.position.offset_m, abs=1.0)
    assert site.river_km == pytest.approx(snap.river_km, abs=0.01)
    assert site.snap_distance_m < 2.0
    assert (site.lon, site.lat) == (lon, lat)  # as given in the plan


def test_a_site_snaps_to_its_own_river_even_when_another_river_is_nearer(network, tmp_path):
    # A point on 第二松花江 just below the 蛟河 mouth, given to the 蛟河 plan.
    lon, lat = point_on(network, 413, 0.05)
    assert network.snap(lon, lat).river_name_zh == "第二松花江"
    doc = minimal_plan(network, id="jiao-he", name_zh="蛟河")
    doc["receptors"][0].update(lon=lon, lat=lat)
    write_plan(tmp_path, doc)
    site = load_plans(network, tmp_path).site("jiao-he/intake-1")
    assert network.data.name_zh[site.segment] == "蛟河"
    assert site.snap_distance_m > 0


def test_a_site_at_a_confluence_may_name_the_receiving_segment(network, tmp_path):
    lon, lat = point_on(network, 413, 0.05)
    doc = minimal_plan(network, id="jiao-he", name_zh="蛟河")
    doc["receptors"][0].update(lon=lon, lat=lat, segment_id=413)
    write_plan(tmp_path, doc)
    site = load_plans(network, tmp_path).site("jiao-he/intake-1")
    assert site.seg_id == 413


def test_an_identified_river_gets_km_marks_from_its_own_head(network, tmp_path):
    lon, lat = point_on(network, 534, 0.5)
    doc = minimal_plan(network, id="lafa-he", name_zh="拉法河", identified={
        "seg_ids": [534], "confidence": "medium", "evidence_zh": "证据",
        "published": {"course_zh": "向南流"}, "sources": ["https://example.org/lafa"],
    })
    doc["receptors"][0].update(lon=lon, lat=lat)
    write_plan(tmp_path, doc)
    site = load_plans(network, tmp_path).site("lafa-he/intake-1")
    half = float(network.data.length_m[network.index(534)]) / 2000
    assert site.seg_id == 534
    assert site.river_km == pytest.approx(half, abs=0.01)


# ---------------------------------------------------------------------- validation errors
def test_a_site_too_far_from_its_river_is_refused_with_file_and_field(network, tmp_path):
    lon, lat = point_on(network, 527)
    doc = minimal_plan(network)
    doc["receptors"][0].update(lon=lon + 0.08)  # about 6.4 km east
    write_plan(tmp_path, doc)
    with pytest.raises(PlanValidationError) as err:
        load_plans(network, tmp_path)
    [problem] = err.value.problems
    assert problem.file == "dier-songhua-jiang.yaml"
    assert problem.path == "receptors[0]"
    assert "超过允许的 3.0 km" in problem.message_zh
    assert "beyond the allowed 3.0 km" in problem.message_en
    write_plan(tmp_path, doc)
    assert load_plans(network, tmp_path, max_site_distance_m=10_000).sites


def test_every_problem_of_every_file_is_reported_at_once(network, tmp_path):
    bad = minimal_plan(network, counties=["船营区", "不存在县"])
    del bad["basin"]                                           # missing field
    bad["receptors"][0]["place_level"] = "capital"             # wrong enum
    bad["receptors"][0]["lon"] += 0.08                         # too far from the river
    bad["response_cards"]["mercury"] = []                      # unknown pollutant class
    write_plan(tmp_path, bad)
    other = minimal_plan(network, id="jiao-he", name_zh="蛟河", upstream=["no-such-plan"])
    other["receptors"][0]["phone"] = "1"                       # unknown field for an intake
    write_plan(tmp_path, other)
    with pytest.raises(PlanValidationError) as err:
        load_plans(network, tmp_path)
    found = {(p.file, p.path) for p in err.value.problems}
    assert ("dier-songhua-jiang.yaml", "basin") in found
    assert ("dier-songhua-jiang.yaml", "counties[1]") in found
    assert ("dier-songhua-jiang.yaml", "receptors[0].place_level") in found
    assert ("dier-songhua-jiang.yaml", "response_cards.mercury") in found
    assert ("dier-songhua-jiang.yaml", "receptors[0]") in found  # too far, checked all the same
    assert ("jiao-he.yaml", "receptors[0].phone") in found
    for problem in err.value.problems:
        assert problem.message_zh and problem.message_en
    county = next(p for p in err.value.problems if p.path == "counties[1]")
    assert "不存在县" in county.message_zh and "Jilin administrative data" in county.message_en


def test_the_distance_check_runs_only_on_files_that_parse(network, tmp_path):
    good = minimal_plan(network, upstream=["jiao-he"])
    write_plan(tmp_path, good)
    (tmp_path / "jiao-he.yaml").write_text("id: jiao-he\nreceptors: [unclosed\n", "utf-8")
    with pytest.raises(PlanValidationError) as err:
        load_plans(network, tmp_path)
    files = {(p.file, p.path.split(" ")[0]) for p in err.value.problems}
    assert ("jiao-he.yaml", "line") in files
    assert ("dier-songhua-jiang.yaml", "upstream[0]") in files  # the link target did not load


def test_validate_document_reports_missing_and_malformed_fields_without_a_network(context):
    doc = {
        "id": "Bad Id", "sample": "yes", "prefectures": ["吉林市"], "counties": [],
        "receptors": [{"id": "s1", "kind": "section", "name_zh": "断面", "lon": 43.8,
                       "lat": 126.5, "cross_boundary": True}],
        "facilities": [{"id": "f1", "name_zh": "闸(示例)", "lon": 126.5, "lat": 43.8,
                        "facility_type": "大坝", "storage_m3": -1, "techniques": ["喷洒"],
                        "operator_zh": "水利局", "contact_zh": "值班", "phone": "0432-1",
                        "deploy_hours": 1}],
        "response_cards": {"petroleum": [{"text_zh": "x", "responsible_zh": "y",
                                          "group": "救火"}]},
        "contacts": [],
        "colour": "blue",
    }
    plan, problems = validate_document(doc, "bad.yaml", context)
    assert plan is None
    paths = {p.path for p in problems}
    assert {"id", "name_zh", "basin", "sample", "colour", "receptors[0]",
            "receptors[0].section_level", "receptors[0].boundary_zh",
            "facilities[0].facility_type", "facilities[0].storage_m3",
            "facilities[0].techniques[0]", "response_cards.petroleum[0].group"} <= paths
    swapped = next(p for p in problems if p.path == "receptors[0]")
    assert "写反" in swapped.message_zh and "swapped" in swapped.message_en
    assert all(p.file == "bad.yaml" for p in problems)


def test_a_sample_plan_refuses_names_and_phones_not_marked_as_sample(network, context):
    doc = minimal_plan(network)
    doc["receptors"][0]["name_zh"] = "吉林市第一水厂取水口"
    doc["contacts"][0]["phone"] = "0432-88888888"
    _, problems = validate_document(doc, "dier-songhua-jiang.yaml", context)
    assert {p.path for p in problems} == {"receptors[0].name_zh", "contacts[0].phone"}
    doc["sample"] = False
    plan, problems = validate_document(doc, "dier-songhua-jiang.yaml", context)
    assert plan is not None and not problems


def test_an_unknown_river_needs_an_identified_section_on_unnamed_segments(network, context):
    doc = minimal_plan(network, id="no-such-river")
    _, problems = validate_document(doc, "no-such-river.yaml", context)
    assert [p.path for p in problems] == ["id"]
    doc["identified"] = {"seg_ids": [527, 99999], "confidence": "low", "evidence_zh": "x",
                         "published": {}, "sources": []}
    _, problems = validate_document(doc, "no-such-river.yaml", context)
    paths = {p.path for p in problems}
    assert {"identified.seg_ids[0]", "identified.seg_ids[1]", "identified.confidence",
            "identified.published", "identified.sources"} <= paths


def test_identified_segments_must_form_one_connected_river(network, context):
    doc = minimal_plan(network, id="two-pieces", identified={
        "seg_ids": [534, 249], "confidence": "medium", "evidence_zh": "x",
        "published": {"course_zh": "x"}, "sources": ["https://example.org"],
    })
    _, problems = validate_document(doc, "two-pieces.yaml", context)
    assert any(p.path == "identified.seg_ids" and "exactly one mouth" in p.message_en
               for p in problems)


def test_a_segment_id_must_belong_to_or_touch_the_plan_river(network, tmp_path):
    doc = minimal_plan(network)
    doc["receptors"][0]["segment_id"] = 534  # 拉法河, far from 第二松花江
    write_plan(tmp_path, doc)
    with pytest.raises(PlanValidationError) as err:
        load_plans(network, tmp_path)
    assert [p.path for p in err.value.problems] == ["receptors[0].segment_id"]


def test_the_plan_id_must_match_the_file_name(network, tmp_path):
    write_plan(tmp_path, minimal_plan(network), name="second-songhua")
    with pytest.raises(PlanValidationError) as err:
        load_plans(network, tmp_path)
    assert [(p.file, p.path) for p in err.value.problems] == [("second-songhua.yaml", "id")]


def test_the_bundled_folder_is_the_default(network):
    assert PLANS_DIR.name == "rivers" and PLANS_DIR.parent.name == "plans"
    assert len(list(PLANS_DIR.glob("*.yaml"))) == N_NAMED + len(IDENTIFIED)


def test_sites_can_be_dict_keys_and_a_plan_set_survives_pickling(plan_set):
    import pickle

    by_site = {site: site.kind for site in plan_set.sites}
    assert len(by_site) == len(plan_set.sites)
    copy = pickle.loads(pickle.dumps(plan_set))
    assert copy.site("tumen/section-1") == plan_set.site("tumen/section-1")
    assert copy.plan_for_segment(plan_set.site("tumen/section-1").segment).id == "tumen"
