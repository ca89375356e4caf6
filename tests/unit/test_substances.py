"""Chemical catalogue: data file content, lookups and the validator."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from emergency.substances import (
    DEFAULT_PATH,
    DOSING_TECHNIQUE,
    CatalogueError,
    Substance,
    SubstanceCatalogue,
    cas_check_digit,
    clear_cache,
    is_valid_cas,
    load_catalogue,
    parse_catalogue,
)
from plans.vocabulary import POLLUTANT_CLASSES, TECHNIQUES


@pytest.fixture(scope="module")
def catalogue() -> SubstanceCatalogue:
    return load_catalogue()


def _good_entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "test_benzene",
        "name_zh": "测试苯",
        "name_en": "test benzene",
        "cas": "71-43-2",
        "pollutant_class": "toxic_organic",
        "limit_mg_l": 0.01,
        "limit_basis": "gb3838_t3",
        "limit_applies_to": "苯",
        "limit_source": "GB 3838-2002 表3 第19项 苯 0.01",
        "behaviour_in_water": ["floats", "volatilises"],
        "behaviour_basis": "density 0.88",
        "heavy_metal_or_metalloid": False,
        "decay_per_day": None,
        "techniques": ["吸附/打捞"],
        "sources": ["GB 3838-2002"],
        "verified": True,
    }
    entry.update(overrides)
    return entry


def _write(tmp_path: Path, data: Any, name: str = "catalogue.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- CAS numbers
@pytest.mark.parametrize(
    "cas",
    ["98-95-3", "71-43-2", "7439-97-6", "18540-29-9", "143-33-9", "7732-18-5", "50-00-0"],
)
def test_a_cas_number_with_the_right_check_digit_is_valid(cas: str) -> None:
    assert is_valid_cas(cas)


@pytest.mark.parametrize(
    "cas",
    ["98-95-4", "71-43-3", "7439-97-7", "9895-3", "98-95-33", "1-43-2", "", "CAS 98-95-3", "98953"],
)
def test_a_cas_number_with_a_wrong_check_digit_or_shape_is_invalid(cas: str) -> None:
    assert not is_valid_cas(cas)


def test_the_check_digit_weights_digits_from_the_right() -> None:
    # water 7732-18-5: 8·1 + 1·2 + 2·3 + 3·4 + 7·5 + 7·6 = 105 → 5
    assert cas_check_digit("773218") == 5
    assert cas_check_digit("7732-18") == 5


def test_a_non_string_is_never_a_valid_cas_number() -> None:
    assert not is_valid_cas(None)  # type: ignore[arg-type]
    assert not is_valid_cas(98953)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the bundled data
def test_the_bundled_catalogue_loads_and_has_at_least_45_substances(
    catalogue: SubstanceCatalogue,
) -> None:
    assert len(catalogue) >= 45
    assert len(catalogue.all()) == len(catalogue)
    assert all(isinstance(s, Substance) for s in catalogue)


def test_every_substance_names_at_least_one_source(catalogue: SubstanceCatalogue) -> None:
    for s in catalogue:
        assert s.sources, s.id
        assert all(src.strip() for src in s.sources), s.id


def test_every_substance_with_a_limit_says_where_it_comes_from_and_what_it_applies_to(
    catalogue: SubstanceCatalogue,
) -> None:
    for s in catalogue:
        assert s.limit_source
        if s.limit_mg_l is not None:
            assert s.limit_mg_l > 0
            assert s.limit_applies_to, s.id
            assert s.limit_basis != "none", s.id
            assert "GB" in s.limit_source, s.id
        else:
            assert s.limit_basis == "none", s.id


def test_the_substances_the_centre_asked_for_are_all_there(catalogue: SubstanceCatalogue) -> None:
    wanted = (
        "硝基苯 苯 苯胺 甲苯 二甲苯 乙苯 苯乙烯 丙烯腈 甲醇 乙醇 甲醛 苯酚 挥发酚 氯苯 二氯甲烷"
        " 三氯甲烷 四氯化碳 环氧氯丙烷 丙酮 氰化钠 汞 镉 铅 砷 六价铬 铊 镍 铜 锌 锑 钼 硒 氟化物"
        " 硫化物 氨氮 液氨 柴油 汽油 原油 石油类 硫酸 盐酸 硝酸 氢氧化钠 黄药 磷酸 二硫化碳"
        " 苯并[a]芘 多氯联苯"
    ).split()
    missing = [name for name in wanted if catalogue.get(name) is None]
    assert missing == []


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("硝基苯", 0.017),
        ("汞", 0.0001),
        ("镉", 0.005),
        ("六价铬", 0.05),
        ("苯", 0.01),
        ("铊", 0.0001),
        ("锑", 0.005),
        ("氰化钠", 0.2),
        ("石油类", 0.05),
        ("挥发酚", 0.005),
        ("氨氮", 1.0),
        ("三氯甲烷", 0.06),
        ("四氯化碳", 0.002),
        ("二氯甲烷", 0.02),
        ("环氧氯丙烷", 0.02),
        ("苯乙烯", 0.02),
        ("甲醛", 0.9),
        ("苯胺", 0.1),
        ("砷", 0.05),
        ("铅", 0.05),
        ("铜", 1.0),
        ("锌", 1.0),
        ("氟化物", 1.0),
        ("硫化物", 0.2),
    ],
)
def test_known_limits_match_gb_3838_2002(
    catalogue: SubstanceCatalogue, name: str, limit: float
) -> None:
    s = catalogue[name]
    assert s.limit_mg_l == pytest.approx(limit)


def test_the_nitrobenzene_limit_cites_table_3_item_30(catalogue: SubstanceCatalogue) -> None:
    s = catalogue["硝基苯"]
    assert "表3" in s.limit_source and "第30项" in s.limit_source and "0.017" in s.limit_source
    assert s.limit_basis == "gb3838_t3"
    assert s.drinking_water_source_only


def test_a_salt_says_its_limit_applies_to_the_element_or_ion(
    catalogue: SubstanceCatalogue,
) -> None:
    assert "Hg" in (catalogue["氯化汞"].limit_applies_to or "")
    assert "CN" in (catalogue["氰化钠"].limit_applies_to or "")
    assert "N" in (catalogue["液氨"].limit_applies_to or "")


def test_mixtures_without_a_cas_number_explain_why(catalogue: SubstanceCatalogue) -> None:
    oil = catalogue["石油类"]
    assert oil.cas is None
    assert oil.cas_note
    for s in catalogue:
        if s.cas is None:
            assert s.cas_note, s.id


def test_every_cas_number_in_the_catalogue_passes_its_checksum(
    catalogue: SubstanceCatalogue,
) -> None:
    for s in catalogue:
        if s.cas is not None:
            assert is_valid_cas(s.cas), s.id


def test_heavy_metals_and_metalloids_are_flagged_for_article_4(
    catalogue: SubstanceCatalogue,
) -> None:
    for name in ["汞", "镉", "铅", "砷", "六价铬", "铊", "镍", "铜", "锌", "锑", "钼"]:
        assert catalogue[name].heavy_metal_or_metalloid, name
    for name in ["硝基苯", "苯", "氰化钠", "柴油", "硫酸", "氨氮"]:
        assert not catalogue[name].heavy_metal_or_metalloid, name
    flagged = {s.id for s in catalogue.heavy_metals()}
    assert {"mercury", "cadmium", "thallium", "antimony"} <= flagged
    assert all(s.pollutant_class == "heavy_metal" for s in catalogue.heavy_metals())


def test_only_substances_with_a_documented_basis_have_a_decay_rate(
    catalogue: SubstanceCatalogue,
) -> None:
    for s in catalogue:
        if s.decay_per_day is not None:
            assert s.decay_source, s.id
        else:
            assert s.is_conservative
    assert catalogue["硝基苯"].decay_per_day is None


def test_behaviour_follows_density_for_floaters_and_sinkers(
    catalogue: SubstanceCatalogue,
) -> None:
    assert {"floats", "volatilises"} <= set(catalogue["苯"].behaviour_in_water)
    assert "sinks" in catalogue["硝基苯"].behaviour_in_water
    assert "sinks" in catalogue["四氯化碳"].behaviour_in_water
    assert "floats" in catalogue["柴油"].behaviour_in_water
    for s in catalogue:
        if s.density_g_cm3 is not None and s.density_g_cm3 < 0.95:
            assert "sinks" not in s.behaviour_in_water or "floats" in s.behaviour_in_water, s.id


def test_techniques_come_from_the_domain_vocabulary(catalogue: SubstanceCatalogue) -> None:
    for s in catalogue:
        assert s.techniques, s.id
        assert set(s.techniques) <= set(TECHNIQUES), s.id
        if s.dosing:
            assert DOSING_TECHNIQUE in s.techniques, s.id
    assert "吸附/打捞" in catalogue["柴油"].techniques
    assert "次氯酸钠破氰" in catalogue["氰化钠"].dosing
    assert "还原沉淀" in catalogue["六价铬"].dosing


def test_every_pollutant_class_is_used_and_has_labels(catalogue: SubstanceCatalogue) -> None:
    for code, (zh, en) in POLLUTANT_CLASSES.items():
        assert zh and en
        assert catalogue.by_class(code), code
    assert catalogue["柴油"].pollutant_class_zh == "石油类"
    with pytest.raises(KeyError):
        catalogue.by_class("radioactive")


def test_unverified_entries_say_which_field_and_why(catalogue: SubstanceCatalogue) -> None:
    for s in catalogue.unverified():
        assert s.unverified_fields, s.id
        assert s.verification_note, s.id
    for s in catalogue:
        if s.verified:
            assert not s.unverified_fields, s.id


# ----------------------------------------------------------------------------- lookups
def test_lookup_accepts_the_id(catalogue: SubstanceCatalogue) -> None:
    assert catalogue.get("nitrobenzene") is catalogue["硝基苯"]


def test_lookup_accepts_the_chinese_name(catalogue: SubstanceCatalogue) -> None:
    s = catalogue.get("硝基苯")
    assert s is not None and s.id == "nitrobenzene"


def test_lookup_accepts_the_english_name_in_any_case(catalogue: SubstanceCatalogue) -> None:
    assert catalogue.get("NitroBenzene") is catalogue.get("nitrobenzene")
    assert catalogue.get("  HEXAVALENT   chromium ") is catalogue.get("chromium_vi")


def test_lookup_accepts_the_cas_number(catalogue: SubstanceCatalogue) -> None:
    assert catalogue.get("98-95-3") is catalogue.get("nitrobenzene")
    assert catalogue.get("7439-97-6") is catalogue.get("汞")


def test_lookup_accepts_aliases_and_full_width_punctuation(catalogue: SubstanceCatalogue) -> None:
    assert catalogue.get("铬（六价）") is catalogue.get("六价铬")
    assert catalogue.get("水银") is catalogue.get("mercury")
    assert catalogue.get("苯并(a)芘") is catalogue.get("benzo_a_pyrene")


def test_lookup_of_an_unknown_name_returns_none(catalogue: SubstanceCatalogue) -> None:
    assert catalogue.get("unobtainium") is None
    assert catalogue.get("") is None
    assert "unobtainium" not in catalogue
    assert "苯" in catalogue
    with pytest.raises(KeyError):
        catalogue["unobtainium"]


def test_substances_are_frozen(catalogue: SubstanceCatalogue) -> None:
    s = catalogue["苯"]
    with pytest.raises(AttributeError):
        s.limit_mg_l = 1.0  # type: ignore[misc]


# ----------------------------------------------------------------------------- loading
def test_loading_the_same_path_twice_returns_the_cached_catalogue() -> None:
    assert load_catalogue() is load_catalogue(DEFAULT_PATH)
    clear_cache()
    assert load_catalogue() is load_catalogue()


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = _write(tmp_path, {"substances": [_good_entry()]})
    first = load_catalogue(path)
    assert first["test_benzene"].limit_mg_l == 0.01
    path.write_text(
        yaml.safe_dump({"substances": [_good_entry(limit_mg_l=0.0123)]}, allow_unicode=True),
        encoding="utf-8",
    )
    second = load_catalogue(path)
    assert second["test_benzene"].limit_mg_l == 0.0123


def test_a_minimal_valid_file_loads(tmp_path: Path) -> None:
    cat = load_catalogue(_write(tmp_path, {"substances": [_good_entry()]}))
    assert cat.ids() == ("test_benzene",)


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_catalogue(tmp_path / "nope.yaml")


def test_a_yaml_syntax_error_is_reported_as_a_catalogue_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("substances: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert "YAML" in str(info.value)


def test_the_validator_reports_every_problem_of_a_broken_file_at_once(tmp_path: Path) -> None:
    entries = [
        _good_entry(id="dup", cas="98-95-4"),  # bad CAS check digit
        _good_entry(id="dup", name_zh="重复", name_en="duplicate", cas="108-88-3"),  # dup id
        _good_entry(
            id="Bad Id",
            name_zh="坏",
            name_en="bad",
            cas="7439-97-6",
            pollutant_class="radioactive",
            limit_mg_l=-1,
            techniques=["放任不管"],
            behaviour_in_water=["explodes"],
            sources=[],
            colour="blue",
        ),
        _good_entry(
            id="metal",
            name_zh="金属",
            name_en="metal",
            cas="7440-43-9",
            pollutant_class="heavy_metal",
            heavy_metal_or_metalloid=False,
            decay_per_day=0.5,
            dosing=["碱性沉淀"],
            verified=False,
        ),
        _good_entry(id="no_cas", name_zh="无号", name_en="no cas", cas=None),
    ]
    del entries[4]["limit_source"]
    path = _write(tmp_path, {"substances": entries})
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    problems = info.value.problems
    got = {(p.path.split(".")[0], p.path.split(".")[1].split("[")[0]) for p in problems}
    expected = {
        ("substances[0]", "cas"),
        ("substances[1]", "id"),
        ("substances[2]", "id"),
        ("substances[2]", "pollutant_class"),
        ("substances[2]", "limit_mg_l"),
        ("substances[2]", "techniques"),
        ("substances[2]", "behaviour_in_water"),
        ("substances[2]", "sources"),
        ("substances[2]", "colour"),
        ("substances[3]", "heavy_metal_or_metalloid"),
        ("substances[3]", "decay_source"),
        ("substances[3]", "dosing"),
        ("substances[3]", "verification_note"),
        ("substances[4]", "cas_note"),
        ("substances[4]", "limit_source"),
    }
    assert expected <= got, expected - got
    for p in problems:
        assert p.message_zh and p.message_en
    message = str(info.value)
    assert f"{len(problems)} problem" in message
    assert "校验位" in message and "check digit" in message


def test_the_validator_rejects_a_name_shared_by_two_substances() -> None:
    data = {
        "substances": [
            _good_entry(),
            _good_entry(id="other", name_zh="别的", name_en="Test Benzene", cas="108-88-3"),
        ]
    }
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(data)
    assert any("collides" in p.message_en for p in info.value.problems)


def test_the_validator_rejects_a_cas_number_used_twice() -> None:
    data = {
        "substances": [
            _good_entry(),
            _good_entry(id="other", name_zh="别的", name_en="other"),
        ]
    }
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(data)
    assert any(p.path == "substances[1].cas" for p in info.value.problems)


def test_the_validator_requires_a_limit_basis_that_matches_the_limit() -> None:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue({"substances": [_good_entry(limit_mg_l=None)]})
    assert [p.path for p in info.value.problems] == ["substances[0].limit_basis"]
    with pytest.raises(CatalogueError):
        parse_catalogue({"substances": [_good_entry(limit_basis="none")]})


def test_the_validator_rejects_a_string_where_a_number_belongs() -> None:
    # PyYAML reads 1e-6 (no dot) as a string: the validator must catch it.
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(yaml.safe_load("substances:\n  - limit_mg_l: 1e-6\n"))
    assert any(p.path == "substances[0].limit_mg_l" for p in info.value.problems)


def test_the_validator_rejects_a_file_without_substances() -> None:
    for data in (None, [], {"substances": []}, {"substances": "x"}):
        with pytest.raises(CatalogueError):
            parse_catalogue(data)


def test_the_bundled_file_still_validates_after_a_round_trip() -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    cat = parse_catalogue(copy.deepcopy(data), origin="round-trip")
    assert cat.ids() == load_catalogue().ids()
