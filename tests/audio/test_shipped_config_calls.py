"""Every call the shipped config.toml can make is speakable and signable, with the shipped assets."""
from pathlib import Path

import pytest

from kiosk.audio.phrases import announcement_texts, template_problems
from kiosk.audio.speech import FakeSynthesizer, announcement_playlist
from kiosk.config import load_config
from kiosk.sign import call_playlist, info_clip_path, load_clip_mapping
from kiosk.sign_packs import load_pack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped():
    return load_config(ROOT / "config.toml")


def test_shipped_sign_section_uses_the_stand_in_pack(shipped):
    # the old [sign.clips] table moved into assets/sign/pack.toml; the same clips as mapping.toml
    clips, info = load_clip_mapping(ROOT / "assets" / "sign" / "mapping.toml")
    assert dict(shipped.sign.clips) == {} and shipped.sign.pack is None
    stand_ins = load_pack(ROOT / "assets" / "sign")
    assert stand_ins.clips == clips and stand_ins.stand_in and stand_ins.info_clip == info
    assert shipped.sign.info_clip == info
    assert info_clip_path(shipped) == ROOT / "assets" / "sign" / "info.mp4"


def test_shipped_templates_are_usable(shipped):
    for lang in ("id", "en"):
        assert template_problems(shipped.audio.templates.get(lang)) == []


def test_every_group_and_counter_can_be_called_by_voice_and_sign(shipped, tmp_path):
    fake = FakeSynthesizer(tmp_path, duration_s=0.05)
    chime = shipped.path(shipped.audio.chime)
    for group in shipped.groups:
        for counter in shipped.counters:
            code = f"{group.prefix}-012"
            texts = announcement_texts(shipped.audio, code, counter.number)
            assert [lang for lang, _ in texts] == shipped.audio.languages
            playlist = call_playlist(shipped, code, counter.number)
            assert not [item.token for item in playlist if item.missing], (code, counter.number)
            assert all(item.stand_in for item in playlist)
    wavs = announcement_playlist(shipped, "KT-105", shipped.counters[-1].number, fake)
    assert wavs[0] == chime and len(wavs) == (1 + len(shipped.audio.languages)) * shipped.audio.repeat
