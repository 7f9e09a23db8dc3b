"""Sample tickets and a small config for the printer tests."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.printer.layout import TicketPrint

# Monday 23 November 2026, 10:15 in Balikpapan (UTC+8)
ISSUED_AT = datetime(2026, 11, 23, 2, 15, tzinfo=timezone.utc)
STATUS_URL = "http://192.168.10.5:8600/t/k3Jx9QpL2mVw8RtZ4bNc"


def make_ticket(**changes) -> TicketPrint:
    ticket = TicketPrint(
        lobby_name="Mal Pelayanan Publik Kota Balikpapan",
        agency_name="Dinas Kependudukan dan Pencatatan Sipil",
        service_name="Perekaman KTP Elektronik",
        code="A-012",
        priority=False,
        issued_at=ISSUED_AT,
        local_tz=ZoneInfo("Asia/Makassar"),
        people_ahead=3,
        estimate_minutes=25,
        status_url=STATUS_URL,
        lang="id",
        footer="Terima kasih atas kunjungan Anda",
        paper_mm=80,
    )
    return dataclasses.replace(ticket, **changes)


MINI_CONFIG = """
[lobby]
name = "MPP Uji Coba"
timezone = "Asia/Jakarta"
public_url = "http://10.0.0.5:8600"

[server]
devices = [
  { name = "kiosk-1", role = "kiosk", key = "kiosk-key-0123456789" },
  { name = "tv-1", role = "display", key = "display-key-0123456789" },
  { name = "loket", role = "counter-app", key = "counter-key-0123456789" },
]

[[agencies]]
id = "dukcapil"
name = "Dinas Kependudukan dan Pencatatan Sipil"
short_name = "Disdukcapil"

[[groups]]
id = "dukcapil"
prefix = "B"

[[services]]
id = "ktp-rekam"
agency = "dukcapil"
group = "dukcapil"
name = { id = "Perekaman KTP-el", en = "e-KTP recording" }

[[services]]
id = "kartu-keluarga"
agency = "dukcapil"
group = "dukcapil"
name = { id = "Kartu Keluarga", en = "Family card" }

[[counters]]
id = "loket-1"
number = "1"
agency = "dukcapil"
services = ["ktp-rekam", "kartu-keluarga"]

[schedule]
weekly = { mon = ["08:00-16:00"] }

[printer]
paper_mm = {paper_mm}

[audio]
enabled = false

[sign]
enabled = false
"""


def write_mini_config(folder: Path, paper_mm: int = 58) -> Path:
    path = folder / "config.toml"
    path.write_text(MINI_CONFIG.replace("{paper_mm}", str(paper_mm)), encoding="utf-8")
    return path
