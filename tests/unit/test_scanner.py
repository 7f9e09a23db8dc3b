"""A barcode scanner's burst of keys ending in Enter is a scan; a person's slow typing is not."""
from kiosk.ui.kiosk.scanner import ScanBuffer


def feed(buffer: ScanBuffer, text: str, start: float, gap: float) -> float:
    at = start
    for char in text:
        buffer.key(char, at)
        at += gap
    return at


def test_a_fast_burst_ending_in_enter_is_a_scan():
    buffer = ScanBuffer()
    at = feed(buffer, "http://127.0.0.1:8600/b/K7QM4XPD", 10.0, 0.004)
    assert buffer.enter(at) == "http://127.0.0.1:8600/b/K7QM4XPD"
    assert buffer.enter(at + 0.01) is None  # the buffer is empty after a scan


def test_slow_keys_short_bursts_and_a_pause_before_enter_are_not():
    buffer = ScanBuffer()
    assert buffer.enter(feed(buffer, "K7QM4XPD", 0.0, 0.2)) is None    # a person typing
    assert buffer.enter(feed(buffer, "K7QM", 5.0, 0.005)) is None      # too short for a code
    at = feed(buffer, "K7QM4XPD", 9.0, 0.005)
    assert buffer.enter(at + 1.0) is None                              # Enter long after the burst
    # a slow key before the burst does not spoil it
    buffer.key("x", 20.0)
    assert buffer.enter(feed(buffer, "K7QM4XPD", 21.0, 0.005)) == "K7QM4XPD"


def test_a_burst_is_known_from_its_third_fast_key():
    from kiosk.ui.kiosk.scanner import ScanBuffer

    buffer = ScanBuffer()
    buffer.key("A", 1.00)
    buffer.key("B", 1.01)
    assert not buffer.in_burst  # two quick keys may be a person
    buffer.key("C", 1.02)
    assert buffer.in_burst
    buffer.key("D", 2.00)  # slow: a new run
    assert not buffer.in_burst
