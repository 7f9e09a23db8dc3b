"""check-config says when the configured USB or serial printer is not there or cannot be opened."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.config import PrinterSettings
from kiosk.printer.backends import printer_notes

ROOT = Path(__file__).resolve().parents[2]


def usb(**extra) -> PrinterSettings:
    return PrinterSettings(backend="usb", usb_vendor=0x04B8, usb_product=0x0202, **extra)


def test_a_usb_printer_that_is_not_connected_is_named():
    notes = printer_notes(usb(), find_usb=lambda vendor, product: None)
    assert notes and "no USB device 0x04b8:0x0202" in notes[0] and "lsusb" in notes[0]


def test_a_connected_usb_printer_this_user_cannot_open_points_to_the_udev_rule(tmp_path):
    node = tmp_path / "001" / "007"
    node.parent.mkdir()
    node.write_bytes(b"")
    node.chmod(0o000)
    try:
        notes = printer_notes(usb(), find_usb=lambda vendor, product: (1, 7), dev_root=tmp_path)
        if os.geteuid() == 0:  # root opens anything: nothing to say
            assert notes == []
        else:
            assert "udev" in notes[0]
    finally:
        node.chmod(0o600)
    assert printer_notes(usb(), find_usb=lambda vendor, product: (1, 7), dev_root=tmp_path) == []


def test_the_real_usb_lookup_runs_here_and_finds_no_such_printer():
    """pyusb and libusb come with the set-up: the real lookup answers (no printer on this machine)."""
    notes = printer_notes(PrinterSettings(backend="usb", usb_vendor=0x1234, usb_product=0xFEDC))
    assert len(notes) == 1 and "0x1234:0xfedc" in notes[0] and "needs pyusb" not in notes[0]


def test_a_missing_serial_device_is_named(tmp_path):
    notes = printer_notes(PrinterSettings(backend="serial", serial_device=str(tmp_path / "ttyUSB9")))
    assert notes and "ttyUSB9" in notes[0] and "does not exist" in notes[0]


def test_check_config_prints_the_printer_note(tmp_path):
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    start = text.index("\n[printer]\n")
    end = text.index("\n[", start + 1)
    section = "\n[printer]\nbackend = \"usb\"\nusb_vendor = 0x1234\nusb_product = 0xFEDC\n"
    path = tmp_path / "config.toml"
    (tmp_path / "assets").symlink_to(ROOT / "assets")
    path.write_text(text[:start] + section + text[end:], encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert "note: printer: no USB device 0x1234:0xfedc" in done.stdout, done.stdout + done.stderr
