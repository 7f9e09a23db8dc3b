"""The config schema (kiosk/config.py), the shipped config.toml, and the `check-config` / `hash-pin` commands.

Error tests start from a small valid config built here (not from the shipped file), plant
one or more mistakes, and assert the exact 'key.path: message' lines the technician sees.
"""
from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections import Counter as Tally
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, cross_check, load_config, parse_config
from kiosk.pins import hash_pin, verify_pin
from kiosk.sign_packs import load_pack

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config.toml"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))

# A fixed salt keeps the test data the same on every run; hashing still takes the real scrypt path.
PIN_1234_HASH = hash_pin("1234", salt=bytes(range(16)))


# --------------------------------------------------------------------------- helpers

def service(sid: str, agency: str, name_id: str, name_en: str) -> dict:
    return {
        "id": sid,
        "agency": agency,
        "group": agency,
        "name": {"id": name_id, "en": name_en},
        "service_minutes": 10,
        "requirements": {"id": ["KTP-el asli"], "en": ["Original e-KTP"]},
        "keywords": [sid],
    }


def minimal_config() -> dict:
    """A small but complete lobby: 2 agencies, 4 services, 2 counters, 1 staff member."""
    return {
        "lobby": {"name": "MPP Uji", "timezone": "Asia/Makassar", "public_url": "http://192.168.10.2:8600"},
        "server": {
            "devices": [
                {"name": "kiosk-lobi", "role": "kiosk", "key": "kiosk-key-0123456789"},
                {"name": "tv-lobi", "role": "display", "key": "display-key-0123456789"},
                {"name": "loket", "role": "counter-app", "key": "counter-key-0123456789"},
            ]
        },
        "agencies": [
            {"id": "dukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil", "short_name": "Disdukcapil",
             "colour": "#0B3D91"},
            {"id": "imigrasi", "name": "Kantor Imigrasi Kelas I", "short_name": "Imigrasi", "colour": "#1A237E"},
        ],
        "groups": [{"id": "dukcapil", "prefix": "A"}, {"id": "imigrasi", "prefix": "B"}],
        "services": [
            service("ktp", "dukcapil", "Perekaman KTP-el", "e-KTP recording"),
            service("kk", "dukcapil", "Kartu Keluarga", "Family card"),
            service("akta", "dukcapil", "Akta Kelahiran", "Birth certificate"),
            service("paspor", "imigrasi", "Paspor baru", "New passport"),
        ],
        "counters": [
            {"id": "dukcapil-1", "number": "1", "agency": "dukcapil", "services": ["ktp", "kk", "akta"]},
            {"id": "imigrasi-1", "number": "2", "agency": "imigrasi", "services": ["paspor"]},
        ],
        "staff": [{"user": "petugas1", "name": "Rina Wulandari", "pin_hash": PIN_1234_HASH, "counters": ["dukcapil-1"]}],
        "schedule": {
            "weekly": {"mon": ["08:00-15:00"], "tue": ["08:00-15:00"], "wed": ["08:00-15:00"],
                       "thu": ["08:00-15:00"], "fri": ["08:00-15:30"], "sat": [], "sun": []},
            "breaks": [{"days": ["fri"], "span": "11:30-13:30",
                        "reason": {"id": "Istirahat salat Jumat", "en": "Friday prayer break"}}],
            "holidays": [{"date": "2026-08-17", "name": "Hari Kemerdekaan"}],
        },
        # files are tested on their own below; the base config needs none
        "audio": {"enabled": False},
        "sign": {"enabled": False},
    }


def problems_of(data: dict, base_dir: Path) -> list[str]:
    """The problems parse_config reports ([] when the config is valid)."""
    try:
        parse_config(data, base_dir=base_dir, source="test")
    except ConfigError as exc:
        return exc.problems
    return []


def contrast_ratio(colour_a: str, colour_b: str) -> float:
    """WCAG 2.x contrast ratio of two '#RRGGBB' colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(colour_a), luminance(colour_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "kiosk", *args],
        cwd=ROOT, input=stdin if stdin is not None else "", capture_output=True, text=True, timeout=60,
        # no controlling terminal: getpass then reads the PIN from stdin instead of waiting on /dev/tty
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture(scope="module")
def shipped() -> Config:
    return load_config(SHIPPED)


# --------------------------------------------------------------------------- the shipped config.toml

def test_shipped_config_loads_with_zero_problems():
    try:
        config = load_config(SHIPPED)
    except ConfigError as exc:
        pytest.fail("shipped config.toml has problems:\n" + "\n".join(exc.problems))
    assert cross_check(config) == []


def test_shipped_config_is_the_balikpapan_lobby(shipped):
    assert shipped.lobby.name == "Mal Pelayanan Publik Kota Balikpapan"
    assert "Balikpapan" in shipped.lobby.address
    assert shipped.lobby.timezone == "Asia/Makassar"
    assert shipped.lobby.public_url.startswith("http://")
    assert (shipped.server.host, shipped.server.port) == ("127.0.0.1", 8600)
    assert shipped.server.database == Path("data/mpp.sqlite")


def test_shipped_config_has_27_agencies_with_distinct_names(shipped):
    assert len(shipped.agencies) == 27
    short_names = [a.short_name for a in shipped.agencies]
    assert len(set(short_names)) == 27
    assert {"Disdukcapil", "Imigrasi", "Polresta", "Samsat/Bapenda", "BPJS Kesehatan",
            "BPJS Ketenagakerjaan", "KPP Pratama", "BPN", "Kemenag"} <= set(short_names)
    assert all(a.logo is None for a in shipped.agencies)
    assert all(a.id == a.id.lower() for a in shipped.agencies)


def test_shipped_config_numbers_tickets_per_agency(shipped):
    assert sorted(g.id for g in shipped.groups) == sorted(a.id for a in shipped.agencies)
    assert len({g.prefix for g in shipped.groups}) == len(shipped.groups)
    for svc in shipped.services:
        assert svc.group == svc.agency, svc.id


def test_shipped_config_has_about_80_bilingual_services(shipped):
    assert 78 <= len(shipped.services) <= 90
    for svc in shipped.services:
        assert svc.name.id != svc.name.en, svc.id
        assert svc.requirements.id and len(svc.requirements.id) == len(svc.requirements.en), svc.id
        assert svc.keywords, svc.id
        assert 5 <= svc.service_minutes <= 30, svc.id
    # every agency offers something
    assert {s.agency for s in shipped.services} == {a.id for a in shipped.agencies}
    keywords = {k for s in shipped.services for k in s.keywords}
    assert {"ktp", "kk", "akta", "paspor", "skck", "npwp", "sim", "stnk", "bpjs", "nikah", "pbg", "sertifikat"} <= keywords
    quotas = {s.id: s.daily_quota for s in shipped.services}
    assert quotas["imigrasi-paspor-baru"] == 50
    assert quotas["polresta-skck"] == 100
    assert quotas["dukcapil-ktp-rekam"] == 150


def test_shipped_config_serves_every_service_at_a_counter_of_its_agency(shipped):
    served = {sid for counter in shipped.counters for sid in counter.services}
    assert served == {s.id for s in shipped.services}
    service_agency = {s.id: s.agency for s in shipped.services}
    for counter in shipped.counters:
        assert {service_agency[sid] for sid in counter.services} == {counter.agency}, counter.id
    assert 40 <= len(shipped.counters) <= 50
    assert sorted(int(c.number) for c in shipped.counters) == list(range(1, len(shipped.counters) + 1))
    per_agency = Tally(c.agency for c in shipped.counters)
    for big in ("dukcapil", "imigrasi", "samsat", "bpjs-kesehatan", "bpjs-tk"):
        assert per_agency[big] >= 2, big


def test_shipped_config_staff_and_demo_pins(shipped):
    counters_by_id = shipped.counter_by_id
    staff = shipped.staff_by_user
    loket_1 = next(c for c in shipped.counters if c.number == "1")
    assert staff["petugas1"].counters == [loket_1.id]
    assert verify_pin("1234", staff["petugas1"].pin_hash)
    assert staff["supervisor"].supervisor and staff["supervisor"].counters == ["*"]
    assert verify_pin("9999", staff["supervisor"].pin_hash)
    assert not verify_pin("1234", staff["supervisor"].pin_hash)
    # every agency has someone who may log in to its counters
    staffed = {counters_by_id[cid].agency for m in shipped.staff for cid in m.counters if cid != "*"}
    assert staffed == {a.id for a in shipped.agencies}
    assert shipped.counter_app.counter == loket_1.id


LOOKUPS = ("agency_by_id", "service_by_id", "counter_by_id", "group_by_id", "staff_by_user")


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_id_lookups_are_built_once_per_config(shipped, lookup):
    # read per label and per request: two reads give the same dict, not a rebuilt one
    assert getattr(shipped, lookup) is getattr(shipped, lookup)
    assert getattr(shipped, lookup)  # the shipped config fills every lookup


def test_a_copy_with_other_services_builds_its_own_lookups(shipped):
    first, first_counter = shipped.services[0].id, shipped.counters[0].id
    assert first in shipped.service_by_id and first_counter in shipped.counter_by_id  # cached before the copy
    fewer = shipped.model_copy(update={"services": shipped.services[1:], "counters": shipped.counters[1:]})
    assert first not in fewer.service_by_id and first_counter not in fewer.counter_by_id
    assert first in shipped.service_by_id  # the original keeps its own
    assert fewer.agency_by_id == shipped.agency_by_id and fewer.agency_by_id is not shipped.agency_by_id


def test_shipped_config_schedule(shipped):
    weekly = shipped.schedule.weekly
    assert all(weekly[day] == ["08:00-15:00"] for day in ("mon", "tue", "wed", "thu"))
    assert weekly["fri"] == ["08:00-15:30"]
    assert not weekly.get("sat") and not weekly.get("sun")
    assert shipped.schedule.last_ticket_minutes == 30
    reasons = {b.span: b.reason.en for b in shipped.schedule.breaks}
    assert reasons == {"12:00-13:00": "Lunch break", "11:30-13:30": "Friday prayer break"}
    by_date = {h.date.isoformat(): h.name for h in shipped.schedule.holidays}
    for year in (2026, 2027):
        assert "Kemerdekaan" in by_date[f"{year}-08-17"]
        assert "Natal" in by_date[f"{year}-12-25"]
        assert "Pancasila" in by_date[f"{year}-06-01"]
        names = " ".join(name for day, name in by_date.items() if day.startswith(str(year)))
        for holiday in ("Tahun Baru", "Isra Mikraj", "Imlek", "Nyepi", "Idul Fitri", "Wafat Yesus", "Hari Buruh",
                        "Kenaikan Yesus", "Waisak", "Idul Adha", "Tahun Baru Islam", "Maulid Nabi"):
            assert holiday in names, (year, holiday)


def test_shipped_config_devices_and_sign_clips(shipped):
    roles = Tally(d.role for d in shipped.server.devices)
    assert roles == {"kiosk": 1, "display": 1, "counter-app": 1, "manager": 1}
    assert all(len(d.key) >= 16 for d in shipped.server.devices)
    expected = {"nomor antrean": "word_nomor_antrean.mp4", "silakan menuju": "word_silakan_menuju.mp4",
                "loket": "word_loket.mp4"}
    expected |= {letter: f"letter_{letter.lower()}.mp4" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    expected |= {digit: f"digit_{digit}.mp4" for digit in "0123456789"}
    # the clips are the stand-in pack's (assets/sign/pack.toml); config.toml names no recorded pack yet
    stand_ins = load_pack(shipped.path(shipped.sign.clips_dir))
    assert shipped.sign.clips == {} and shipped.sign.pack is None and stand_ins.stand_in
    assert stand_ins.clips == expected
    assert (shipped.sign.enabled, shipped.sign.clips_dir, shipped.sign.info_clip) == (True, Path("assets/sign"), "info.mp4")
    # every character a ticket code or counter number can contain has a clip
    chars = {ch for g in shipped.groups for ch in g.prefix} | {ch for c in shipped.counters for ch in c.number}
    assert chars <= set(stand_ins.clips)
    assert shipped.audio.languages == ["id", "en"] and shipped.audio.chime == Path("assets/sounds/chime.wav")
    assert shipped.printer.backend == "dummy" and shipped.printer.paper_mm == 80 and shipped.printer.qr == "native"


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#777777") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)


def test_shipped_agency_colours_are_distinct_and_carry_white_text(shipped):
    colours = [a.colour.upper() for a in shipped.agencies]
    assert len(set(colours)) == len(colours)
    for agency in shipped.agencies:
        ratio = contrast_ratio("#FFFFFF", agency.colour)
        assert ratio >= 7.0, f"{agency.id} {agency.colour}: white text contrast {ratio:.2f} < 7"


# --------------------------------------------------------------------------- every problem at once

def test_minimal_config_is_valid(tmp_path):
    assert problems_of(minimal_config(), tmp_path) == []


def test_five_planted_mistakes_are_all_reported_with_their_key_paths(tmp_path):
    data = minimal_config()
    data["groups"][1] = {"id": "imigrasi", "prefx": "B"}           # 1: misspelt key
    data["services"][2]["agency"] = "dukcapl"                      # 2: unknown agency
    data["groups"][0]["prefix"] = "a1"                             # 3: bad prefix
    data["schedule"]["weekly"]["tue"] = ["08:00-12:00", "11:00-15:00"]  # 4: overlapping hours
    data["counters"][1]["services"] = ["paspor", "paspr"]           # 5: missing service

    problems = problems_of(data, tmp_path)

    assert sorted(problems) == sorted([
        "groups[1].prefx: unknown key — did you mean 'prefix'?",
        "services[2].agency: no agency 'dukcapl' — did you mean 'dukcapil'?",
        "groups[0].prefix: must be 1-3 capital letters, got 'a1'",
        "schedule.weekly.tue: hours 08:00-12:00 and 11:00-15:00 overlap",
        "counters[1].services[1]: no service 'paspr' — did you mean 'paspor'?",
    ])


def test_config_error_message_lists_every_problem(tmp_path):
    data = minimal_config()
    data["agencies"][0]["colour"] = "blue"
    data["services"][0]["agency"] = "samsat"
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=tmp_path, source="lobby.toml")
    assert str(caught.value).splitlines() == [
        "lobby.toml: 2 problem(s)",
        "  agencies[0].colour: must be '#RRGGBB', got 'blue'",
        "  services[0].agency: no agency 'samsat'",
    ]


def _set(path: str, value):
    """A mutation that sets data[...] along a dotted/indexed path, e.g. 'counters[1].number'."""
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]

    def mutate(data, tmp_path):
        target = data
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = value(tmp_path) if callable(value) else value

    return mutate


def _append(path: str, item):
    def mutate(data, tmp_path):
        target = data
        for part in [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]:
            target = target[part]
        target.append(copy.deepcopy(item))

    return mutate


def _drop_device(role):
    def mutate(data, tmp_path):
        data["server"]["devices"] = [d for d in data["server"]["devices"] if d["role"] != role]

    return mutate


def _enable_sign(clips, info_clip=None):
    def mutate(data, tmp_path):
        (tmp_path / "clips").mkdir()
        (tmp_path / "clips" / "word_loket.mp4").write_bytes(b"\0")
        data["sign"] = {"enabled": True, "clips_dir": "clips", "clips": clips, "info_clip": info_clip}

    return mutate


# (name, mutation, the exact problem it must produce; None: the change is valid)
CASES = [
    # references to ids that do not exist, each with a hint
    ("service agency", _set("services[0].agency", "dukcapl"),
     "services[0].agency: no agency 'dukcapl' — did you mean 'dukcapil'?"),
    ("service group", _set("services[3].group", "imigrasii"),
     "services[3].group: no numbering group 'imigrasii' — did you mean 'imigrasi'?"),
    ("counter agency", _set("counters[1].agency", "imigrasy"),
     "counters[1].agency: no agency 'imigrasy' — did you mean 'imigrasi'?"),
    ("counter service", _set("counters[0].services", ["ktp", "kk", "akta", "kartu"]),
     "counters[0].services[3]: no service 'kartu'"),
    ("staff counter", _set("staff[0].counters", ["dukcapil-2"]),
     "staff[0].counters[0]: no counter 'dukcapil-2' — did you mean 'dukcapil-1'?"),
    ("counter_app counter", _set("counter_app", {"counter": "imigrasi-2"}),
     "counter_app.counter: no counter 'imigrasi-2' — did you mean 'imigrasi-1'?"),
    # uniqueness
    ("duplicate agency id", _append("agencies", {"id": "dukcapil", "name": "Disdukcapil lagi", "short_name": "Capil"}),
     "agencies[2].id: 'dukcapil' is already used by agencies[0]"),
    ("duplicate group id", _append("groups", {"id": "dukcapil", "prefix": "C"}),
     "groups[2].id: 'dukcapil' is already used by groups[0]"),
    ("duplicate prefix", _set("groups[1].prefix", "A"),
     "groups[1].prefix: 'A' is already used by groups[0]"),
    ("duplicate service id", _append("services", service("ktp", "dukcapil", "KTP lagi", "ID card again")),
     "services[4].id: 'ktp' is already used by services[0]"),
    ("duplicate counter id", _set("counters[1].id", "dukcapil-1"),
     "counters[1].id: 'dukcapil-1' is already used by counters[0]"),
    ("duplicate counter number", _set("counters[1].number", "1"),
     "counters[1].number: '1' is already used by counters[0]"),
    ("duplicate staff user", _append("staff", {"user": "petugas1", "name": "Agus", "pin_hash": PIN_1234_HASH,
                                               "counters": ["*"]}),
     "staff[1].user: 'petugas1' is already used by staff[0]"),
    ("duplicate device name", _set("server.devices[1].name", "kiosk-lobi"),
     "server.devices[1].name: 'kiosk-lobi' is already used by server.devices[0]"),
    ("duplicate device key", _set("server.devices[2].key", "kiosk-key-0123456789"),
     "server.devices[2].key: 'kiosk-key-0123456789' is already used by server.devices[0]"),
    ("service listed twice at a counter", _set("counters[1].services", ["paspor", "paspor"]),
     "counters[1].services: a service is listed twice"),
    ("duplicate holiday", _append("schedule.holidays", {"date": "2026-08-17", "name": "HUT RI"}),
     "schedule.holidays[1].date: 2026-08-17 is already schedule.holidays[0]"),
    # PIN hashes
    ("malformed staff PIN hash", _set("staff[0].pin_hash", "scrypt$16384$8$1$nothex$abc"),
     "staff[0].pin_hash: not a PIN hash made by 'mpp-kiosk hash-pin' (scrypt$N$r$p$salt$hash), "
     "got 'scrypt$16384$8$1$nothex$abc'"),
    ("malformed kiosk exit PIN hash", _set("kiosk", {"exit_pin_hash": "1234"}),
     "kiosk.exit_pin_hash: not a PIN hash made by 'mpp-kiosk hash-pin', got '1234'"),
    # files
    ("missing lobby logo", _set("lobby.logo", "logo.png"),
     "lobby.logo: file not found: {tmp}/logo.png"),
    ("missing agency logo", _set("agencies[1].logo", "logos/imigrasi.png"),
     "agencies[1].logo: file not found: {tmp}/logos/imigrasi.png"),
    ("missing chime", _set("audio", {"enabled": True, "chime": "sounds/chime.wav"}),
     "audio.chime: file not found: {tmp}/sounds/chime.wav"),
    ("missing sign clip", _enable_sign({"loket": "word_loket.mp4", "nomor antrean": "word_nomor_antrean.mp4"}),
     "sign.clips.'nomor antrean': file not found: {tmp}/clips/word_nomor_antrean.mp4"),
    ("missing info clip", _enable_sign({"loket": "word_loket.mp4"}, info_clip="info.mp4"),
     "sign.info_clip: file not found: {tmp}/clips/info.mp4"),
    # hours
    ("break outside hours", _set("schedule.breaks[0].days", ["fri", "sat"]),
     "schedule.breaks[0]: sat 11:30-13:30 is outside that day's opening hours"),
    ("overlapping service hours", _set("services[3].hours", {"mon": ["08:00-12:00", "10:00-14:00"]}),
     "services[3].hours.mon: hours 08:00-12:00 and 10:00-14:00 overlap"),
    ("malformed span", _set("schedule.weekly.wed", ["08.00-15.00"]),
     "schedule.weekly.wed[0]: must be 'HH:MM-HH:MM', got '08.00-15.00'"),
    ("span that ends before it starts", _set("schedule.breaks[0].span", "13:30-11:30"),
     "schedule.breaks[0].span: ends before it starts: '13:30-11:30'"),
    ("span past midnight", _set("schedule.weekly.thu", ["08:00-24:30"]),
     "schedule.weekly.thu[0]: a day ends at 24:00, got '08:00-24:30'"),
    ("span to the end of the day", _set("schedule.weekly.thu", ["08:00-12:00", "13:00-24:00"]), None),
    ("unknown weekday", _set("schedule.weekly", {"monday": ["08:00-15:00"], "fri": ["08:00-15:30"]}),
     "schedule.weekly.monday: Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun', got 'monday'"),
    # single values
    ("bad time zone", _set("lobby.timezone", "Asia/Balikpapan"),
     "lobby.timezone: unknown time zone 'Asia/Balikpapan' (e.g. 'Asia/Makassar', 'Asia/Jakarta')"),
    ("bad colour", _set("agencies[0].colour", "#12345"),
     "agencies[0].colour: must be '#RRGGBB', got '#12345'"),
    ("bad prefix", _set("groups[0].prefix", "ABCD"),
     "groups[0].prefix: must be 1-3 capital letters, got 'ABCD'"),
    ("bad public url", _set("lobby.public_url", "192.168.10.2:8600"),
     "lobby.public_url: must start with http:// or https://, got '192.168.10.2:8600'"),
    ("default language not offered", _set("lobby.languages", ["en"]),
     "lobby.default_language: 'id' is not in lobby.languages"),
    ("short name too long", _set("agencies[0].short_name", "Dinas Kependudukan Capil Kota"),
     "agencies[0].short_name: String should have at most 24 characters, got 'Dinas Kependudukan Capil Kota'"),
    ("bad screen", _set("display", {"screen": 1.5}),
     "display.screen: must be a screen index (0, 1, ...) or a screen name, got 1.5"),
    ("usb printer without ids", _set("printer", {"backend": "usb"}),
     "printer: backend 'usb' needs usb_vendor and usb_product"),
    # coverage
    ("service no counter serves", _set("counters[0].services", ["ktp", "kk"]),
     "services[2]: no counter serves 'akta'; add it to a counter's services"),
    # no config key for a role: that role's PCs enrol (mpp-kiosk enrol); check-config notes it, no problem
    ("missing kiosk device", _drop_device("kiosk"), ""),
    # no config key for a role: that role's PCs enrol (mpp-kiosk enrol); check-config notes it, no problem
    ("missing display device", _drop_device("display"), ""),
    # no config key for a role: that role's PCs enrol (mpp-kiosk enrol); check-config notes it, no problem
    ("missing counter-app device", _drop_device("counter-app"), ""),
    # keys
    ("unknown key with a hint", _set("queue", {"max_consecutive_priorty": 3}),
     "queue.max_consecutive_priorty: unknown key — did you mean 'max_consecutive_priority'?"),
    ("unknown top-level section", _set("printr", {}),
     "printr: unknown key — did you mean 'printer'?"),
    ("missing required key", _set("agencies[1]", {"id": "imigrasi", "short_name": "Imigrasi"}),
     "agencies[1].name: missing (required)"),
]


@pytest.mark.parametrize("mutate, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_reports_its_mistake(tmp_path, mutate, expected):
    data = minimal_config()
    mutate(data, tmp_path)
    assert problems_of(data, tmp_path) == ([expected.format(tmp=tmp_path)] if expected else [])


def test_misspelt_key_is_one_problem_not_also_a_missing_one(tmp_path):
    data = minimal_config()
    data["agencies"][0]["short_nme"] = data["agencies"][0].pop("short_name")
    assert problems_of(data, tmp_path) == ["agencies[0].short_nme: unknown key — did you mean 'short_name'?"]


def test_files_that_exist_are_accepted(tmp_path):
    data = minimal_config()
    (tmp_path / "sounds").mkdir()
    (tmp_path / "sounds" / "chime.wav").write_bytes(b"RIFF")
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "word_loket.mp4").write_bytes(b"\0")
    (tmp_path / "clips" / "info.mp4").write_bytes(b"\0")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    data["lobby"]["logo"] = "logo.png"
    data["audio"] = {"enabled": True, "chime": "sounds/chime.wav"}
    data["sign"] = {"enabled": True, "clips_dir": "clips", "info_clip": "info.mp4", "clips": {"loket": "word_loket.mp4"}}
    config = parse_config(data, base_dir=tmp_path)
    assert config.path(config.audio.chime) == tmp_path / "sounds" / "chime.wav"


def test_an_item_with_a_schema_error_still_counts_for_references(tmp_path):
    # a bad colour must not also make every service of that agency "refer to a missing agency"
    data = minimal_config()
    data["agencies"][0]["colour"] = "navy"
    assert problems_of(data, tmp_path) == ["agencies[0].colour: must be '#RRGGBB', got 'navy'"]


@pytest.mark.parametrize("section", ["lobby", "server", "agencies", "groups", "services", "counters", "staff",
                                     "schedule", "queue", "printer", "audio", "kiosk", "display", "counter_app",
                                     "sign"])
@pytest.mark.parametrize("value", [None, 7, "x", [], {}, [None], [{"id": 3}], {"id": []}],
                         ids=["none", "int", "str", "empty-list", "empty-table", "list-of-none", "bad-item", "bad-table"])
def test_a_section_of_the_wrong_shape_is_reported_not_raised(tmp_path, section, value):
    data = minimal_config()
    data[section] = value
    problems = problems_of(data, tmp_path)  # anything but a ConfigError escapes and fails the test
    assert all(re.match(r"^[\w.\[\]']+: \S", p) for p in problems), problems
    if value in (None, 7, "x"):
        assert any(p.startswith(f"{section}: ") for p in problems), problems


# --------------------------------------------------------------------------- load_config

def test_load_config_resolves_paths_against_the_file(tmp_path):
    path = tmp_path / "lobby.toml"
    path.write_text(_to_toml(minimal_config()), encoding="utf-8")
    config = load_config(path)
    assert config.base_dir == tmp_path
    assert config.path("data/mpp.sqlite") == tmp_path / "data" / "mpp.sqlite"


def test_load_config_reports_unreadable_files(tmp_path):
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "nope.toml")
    assert missing.value.problems == [f"file not found: {tmp_path / 'nope.toml'}"]

    with pytest.raises(ConfigError) as folder:
        load_config(tmp_path)
    assert folder.value.problems[0].startswith("cannot read:")

    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[lobby]\nname = "Pel\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as not_utf8:
        load_config(latin1)
    assert not_utf8.value.problems[0].startswith("not UTF-8 text:")


def test_load_config_reports_toml_syntax_with_its_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[lobby]\nname = "MPP"\ntimezone = Asia/Makassar\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert problem.startswith("not valid TOML:") and "line 3" in problem


def test_base_dir_cannot_be_set_from_the_file(tmp_path):
    path = tmp_path / "lobby.toml"
    path.write_text('base_dir = "/etc"\n' + _to_toml(minimal_config()), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == ["base_dir: unknown key"]


def _to_toml(data: dict) -> str:
    """Enough of a TOML writer for minimal_config()."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + " }"
        raise TypeError(v)

    lines = []
    for key, section in data.items():
        if isinstance(section, list):
            for item in section:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {value(v)}" for k, v in item.items()]
        else:
            lines.append(f"[{key}]")
            lines += [f"{k} = {value(v)}" for k, v in section.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the commands, as real processes

def test_check_config_accepts_the_shipped_config():
    result = run_cli("check-config", str(SHIPPED))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert re.fullmatch(rf"{re.escape(str(SHIPPED))}: OK — 27 agencies, \d+ services, \d+ counters, \d+ staff", line), line


def test_check_config_takes_the_path_from_config_option_too(tmp_path):
    path = tmp_path / "lobby.toml"
    path.write_text(_to_toml(minimal_config()), encoding="utf-8")
    result = run_cli("check-config", "--config", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"{path}: OK — 2 agencies, 4 services, 2 counters, 1 staff"
    # a config with no locations: check-config says which services' tickets will not say where to wait
    assert lines[1:] == ["  note: 4 service(s) have no location (services[].location, or one on a counter that "
                         "serves them): their tickets do not say where to wait: ktp, kk, akta, paspor",
                         "  note: 6 tile(s) have neither a pictogram nor a logo, so a visitor who reads little finds "
                         "nothing to recognise there (pictogram = a name of assets/pictograms): agencies dukcapil, "
                         "imigrasi; services ktp, kk, akta, paspor",
                         "  note: no staff member may log in to 1 counter(s): imigrasi-1 (add the counter to a "
                         "staff member's counters, or '*')"]


def test_check_config_names_agency_colours_below_7_to_1_and_counters_nobody_may_open(tmp_path):
    data = minimal_config()
    data["agencies"][0]["colour"] = "#4A90E2"  # a light blue: white text on it 3.3:1
    data["agencies"][1]["colour"] = "#777777"
    path = tmp_path / "lobby.toml"
    path.write_text(_to_toml(data), encoding="utf-8")
    result = run_cli("check-config", str(path))
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if line.startswith("  note: ")]
    [colours] = [note for note in notes if "agency colour" in note]
    assert colours == ("  note: 2 agency colour(s) give white text less than 7:1, so the kiosk shows those tiles "
                       "in its panel colour instead; choose a darker colour: dukcapil #4A90E2 (3.3:1), "
                       "imigrasi #777777 (4.5:1)")
    assert any("imigrasi-1" in note and "no staff member may log in" in note for note in notes)

    data["staff"] = []
    path.write_text(_to_toml(data), encoding="utf-8")
    notes = run_cli("check-config", str(path)).stdout
    assert "no staff member may log in to a counter: [[staff]] is empty" in notes

    data = minimal_config()
    data["staff"][0]["counters"] = ["*"]
    path.write_text(_to_toml(data), encoding="utf-8")
    notes = run_cli("check-config", str(path)).stdout
    assert "agency colour" not in notes and "no staff member" not in notes


def test_check_config_prints_every_problem_and_exits_1(tmp_path):
    data = minimal_config()
    data["groups"][0]["prefix"] = "a1"
    data["services"][2]["agency"] = "dukcapl"
    data["lobby"]["timezone"] = "WITA"
    path = tmp_path / "bad.toml"
    path.write_text(_to_toml(data), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert len(caught.value.problems) == 3

    result = run_cli("check-config", str(path))

    assert result.returncode == 1
    assert result.stdout == ""
    # each problem with the line of its key in the file (kiosk.config_lines)
    from kiosk.config_lines import with_lines

    shown = with_lines(path.read_text(encoding="utf-8"), caught.value.problems)
    assert result.stderr.splitlines() == [f"{path}: 3 problem(s)"] + [f"  {p}" for p in shown]
    assert all(line.startswith("  line ") for line in result.stderr.splitlines()[1:])
    assert "Traceback" not in result.stderr


def test_check_config_on_a_toml_syntax_error_gives_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[lobby\nname = "MPP"\n', encoding="utf-8")
    result = run_cli("check-config", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{path}: 1 problem(s)"
    assert "not valid TOML:" in result.stderr and "line 1" in result.stderr


def test_check_config_on_a_missing_file(tmp_path):
    result = run_cli("check-config", str(tmp_path / "none.toml"))
    assert result.returncode == 1
    assert f"file not found: {tmp_path / 'none.toml'}" in result.stderr
    assert "Traceback" not in result.stderr


def test_hash_pin_output_verifies():
    result = run_cli("hash-pin", "--pin", "1234")
    assert result.returncode == 0, result.stderr
    [pin_hash] = result.stdout.splitlines()
    assert verify_pin("1234", pin_hash)
    assert not verify_pin("1235", pin_hash)
    # and it is accepted where config.toml needs it
    data = minimal_config()
    data["staff"][0]["pin_hash"] = pin_hash
    parse_config(data)


def test_hash_pin_reads_the_pin_when_not_given():
    result = run_cli("hash-pin", stdin="4321\n")
    assert result.returncode == 0, result.stderr
    assert verify_pin("4321", result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("pin", ["12a", "123", "", "1234567890123"])
def test_hash_pin_rejects_a_bad_pin(pin):
    result = run_cli("hash-pin", "--pin", pin)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "hash-pin: a PIN is 4 to 12 digits"


def test_hash_pin_without_any_input_exits_2():
    result = run_cli("hash-pin", stdin="")
    assert result.returncode == 2
    assert "hash-pin: no PIN given" in result.stderr
    assert "Traceback" not in result.stderr
