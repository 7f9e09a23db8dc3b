"""Bookings made elsewhere, from a CSV file: checked row by row by the booking page's rules, every bad row
reported with its line; one bad row imports nothing unless --partial."""
from __future__ import annotations

from kiosk.cli import main
from kiosk.store import Store
from support.bookings import NIK, booking_config

HEADER = "service_id,day,time,name,phone,nik\n"
GOOD = [f"paspor,2026-11-24,10:00,Siti {n},08123456{n:04d},{NIK[:12]}{n:04d}\n" for n in (1, 2)]
BAD = ["paspor,2026-11-24,10:00,Budi,081234569999,1234\n",          # NIK too short
       "paspor,24-11-2026,10:00,Ani,081234568888," + NIK + "\n",    # not a date
       "ktp,2026-11-24,10:00,Ina,081234567777," + NIK + "\n",       # not bookable
       "paspor,2026-11-24,10:00,Eka,081234566666," + NIK[:12] + "0007\n"]  # the slot's two places are taken


def write_config(tmp_path):
    import tomlkit

    path = tmp_path / "config.toml"
    data = booking_config().model_dump(mode="json", exclude_none=True)
    data["server"]["database"] = str(tmp_path / "queue.sqlite")
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    return path


def test_every_bad_row_is_reported_and_nothing_is_imported(make_engine, tmp_path, capsys, monkeypatch):
    from kiosk import clock as clock_module
    from support.configs import MONDAY_9

    monkeypatch.setattr(clock_module.SystemClock, "now", lambda self: MONDAY_9)
    config = write_config(tmp_path)
    csv_file = tmp_path / "m-paspor.csv"
    csv_file.write_text(HEADER + "".join(GOOD + BAD), encoding="utf-8")
    assert main(["import-bookings", str(csv_file), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"{csv_file}:4: The NIK must be 16 digits." in err
    assert f"{csv_file}:5: Not a date: 24-11-2026 (write YYYY-MM-DD)." in err
    assert f"{csv_file}:6: This service cannot be booked." in err
    assert f"{csv_file}:7: 10:00 is fully booked." in err
    assert "0 imported, 4 refused (nothing imported" in err
    store = Store(tmp_path / "queue.sqlite")
    assert store.query("SELECT count(*) AS n FROM bookings")[0]["n"] == 0
    store.close()

    assert main(["import-bookings", str(csv_file), "--config", str(config), "--partial"]) == 1
    out = capsys.readouterr().out
    assert out.count("paspor  2026-11-24 10:00") == 2
    store = Store(tmp_path / "queue.sqlite")
    assert [r["name"] for r in store.query("SELECT name FROM bookings ORDER BY id")] == ["Siti 1", "Siti 2"]
    store.close()


def test_check_config_reports_the_bookings_a_new_schedule_would_strand(make_engine, tmp_path, capsys, monkeypatch):
    import tomlkit

    from kiosk.bookings import stranded_bookings
    from kiosk.config import load_config
    from support.bookings import person

    engine = make_engine(booking_config(), path=tmp_path / "queue.sqlite")
    from datetime import date as day_
    booking = engine.bookings.book("paspor", day_(2026, 11, 24), "14:00", person())
    engine.bookings.book("paspor", day_(2026, 11, 24), "09:00", person(2))
    path = write_config(tmp_path)
    assert stranded_bookings(load_config(path), tmp_path / "queue.sqlite", day_(2026, 11, 23)) == []
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    document["schedule"]["weekly"]["tue"] = ["08:00-13:00"]  # Tuesday afternoon closed
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    assert stranded_bookings(load_config(path), tmp_path / "queue.sqlite", day_(2026, 11, 23)) == [
        f"booking {booking.display_code} (paspor 2026-11-24 14:00): that slot is closed in this config"]
    from kiosk import clock as clock_module
    from support.configs import MONDAY_9

    monkeypatch.setattr(clock_module.SystemClock, "now", lambda self: MONDAY_9)
    capsys.readouterr()
    assert main(["check-config", str(path), "--db", str(tmp_path / "queue.sqlite")]) == 1
    out = capsys.readouterr().out
    assert f"stranded: booking {booking.display_code} (paspor 2026-11-24 14:00): that slot is closed" in out
