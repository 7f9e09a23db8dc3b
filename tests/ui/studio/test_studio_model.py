"""The studio's model without Qt: the list from the coverage functions, and the phases of a take."""
from kiosk.audio.packs import needed_fragments
from kiosk.audio.speech import write_tone
from kiosk.sign_packs import config_needs
from kiosk.ui.studio.model import PackFields, Phase, Studio, create_pack

from .conftest import DAY, sign_fields, voice_fields


def test_the_voice_list_is_what_the_config_needs_and_marks_what_the_pack_has(config, tmp_path):
    folder = tmp_path / "voice"
    create_pack(folder, "voice", voice_fields(), DAY)
    write_tone(folder / "loket.wav", 300, 0.3, sample_rate=48000)
    studio = Studio("voice", folder, config)
    assert [item.id for item in studio.items] == [need.id for need in needed_fragments(config, "id")]
    recorded = {item.id for item in studio.items if item.recorded}
    assert recorded == {"loket"}
    categories = {item.id: item.category for item in studio.items}
    assert (categories["nomor_antrean"], categories["loket"], categories["letter_a"], categories["dua"]) == \
        ("phrase", "word", "letter", "number")
    assert studio.item.id == "nomor_antrean"  # the first one not recorded


def test_the_sign_list_is_config_needs_and_marks_what_the_pack_covers(config, tmp_path):
    folder = tmp_path / "sign"
    create_pack(folder, "sign", sign_fields(), DAY)
    studio = Studio("sign", folder, config)
    assert [item.id for item in studio.items] == [need.token for need, _ in config_needs(config, "digits")]
    assert not any(item.recorded for item in studio.items)
    prompts = {item.id: item.prompt for item in studio.items}
    assert prompts["agency:dukcapil"] == "DISDUKCAPIL" and prompts["silakan menuju"] == "SILAKAN MENUJU"


def test_the_phases_of_a_take(config, tmp_path):
    folder = tmp_path / "voice"
    create_pack(folder, "voice", voice_fields(), DAY)
    studio = Studio("voice", folder, config)
    assert studio.key("enter") is None and studio.key("p") is None  # nothing to keep or play yet
    assert studio.key("space") == "countdown" and studio.key("down") is None
    studio.countdown_over()
    assert studio.phase == Phase.RECORDING and studio.key("r") is None
    assert studio.key("space") == "stop"
    studio.take_ready(tmp_path / "take.wav")
    assert studio.phase == Phase.REVIEW
    assert studio.key("p") == "play"
    assert studio.key("r") == "redo" and studio.take is None and studio.phase == Phase.COUNTDOWN
    assert studio.key("space") == "cancel" and studio.phase == Phase.IDLE
    assert studio.key("down") == "move" and studio.current == 1
    assert studio.key("up") == "move" and studio.current == 0
    assert studio.key("up") == "move" and studio.current == 0  # the top stays the top
    studio.items[0].recorded = True
    studio.items[1].recorded = True
    assert studio.next_missing(0) == 2
    studio.items[:] = [item for item in studio.items[:3]]
    for item in studio.items:
        item.recorded = True
    assert studio.next_missing(1) == 2  # all recorded: simply the next one


def test_a_new_pack_needs_who_licence_and_consent():
    assert PackFields().problems("voice") == ["studio.need_person", "studio.need_licence", "studio.need_consent"]
    assert PackFields().problems("sign")[-1] == "studio.need_region"
    assert voice_fields().problems("voice") == [] and sign_fields().problems("sign") == []
