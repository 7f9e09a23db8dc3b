"""Pictograms and English agency names in config: every shipped tile names a drawing that exists."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, kiosk_notes, load_config, parse_config, pictogram_names
from support.configs import config_dict

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["config.toml", "kiosk/lobby_template/config.toml"])
def test_every_shipped_agency_and_service_names_a_shipped_pictogram(path):
    config = load_config(ROOT / path)
    names = set(pictogram_names())
    assert len(config.agencies) == 27 and len(config.services) == 85
    for item in [*config.agencies, *config.services]:
        assert item.pictogram in names, item.id
    for agency in config.agencies:
        assert agency.name_en and agency.short_name_en and len(agency.short_name_en) <= 24, agency.id
    assert next(a for a in config.agencies if a.id == "polresta").short_name_en == "Police (City)"


def test_an_unknown_pictogram_is_refused_with_its_key_path_and_the_closest_name():
    data = config_dict()
    data["agencies"][0]["pictogram"] = "pasport"
    data["services"][1]["pictogram"] = "id-crad"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    problems = "\n".join(caught.value.problems)
    assert "agencies[0].pictogram" in problems and "did you mean 'passport'?" in problems
    assert "services[1].pictogram" in problems and "did you mean 'id-card'?" in problems


def test_check_config_names_tiles_with_neither_pictogram_nor_logo(tmp_path):
    data = config_dict()
    for agency in data["agencies"]:
        agency["pictogram"] = "id-card"
    for service in data["services"]:
        service["pictogram"] = "id-card"
    assert not [n for n in kiosk_notes(parse_config(data)) if "pictogram" in n]
    data["agencies"][0].pop("pictogram")
    data["services"][0].pop("pictogram")
    notes = [n for n in kiosk_notes(parse_config(data)) if "neither a pictogram nor a logo" in n]
    assert len(notes) == 1
    assert notes[0].endswith(f"agencies {data['agencies'][0]['id']}; services {data['services'][0]['id']}")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    data["agencies"][0]["logo"] = "logo.png"  # a logo is enough for an agency
    notes = [n for n in kiosk_notes(parse_config(data, base_dir=tmp_path)) if "neither a pictogram nor a logo" in n]
    assert notes[0].endswith(f": services {data['services'][0]['id']}")
