"""Speech mode: a visitor who never touches the screen, against a real server and a fake network printer.

The speech queue (kiosk.ui.kiosk.speech_model.SpeechQueue) is what the player would say; these tests
assert its order and play no audio (QMediaPlayer can hang under load)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.config import KioskKeysSettings
from kiosk.ui.kiosk.speech_model import KeyLayout, SpeechQueue
from support.configs import MAKASSAR
from support.fake_printer import strip_status_requests

from .kiosk_driver import LEFT


def press(qtbot, window, key, text=""):
    qtbot.keyClick(window.stack.currentWidget(), key)


def said_since(window, start):
    return window.speech.texts[start:]


def index_of(texts, fragment, after=0):
    for index in range(after, len(texts)):
        if fragment in texts[index]:
            return index
    raise AssertionError(f"{fragment!r} not said after #{after}: {texts[after:]}")


def test_keypad_only_journey_takes_a_named_service_and_prints(qtbot, kiosk, server, fake_printer):
    assert not kiosk.speech.active
    press(qtbot, kiosk, Qt.Key_F2)                       # the speech key
    assert kiosk.speech.active
    texts = kiosk.speech.texts
    assert texts[0].startswith("Mode suara.") and "Layar utama, MPP Uji." in texts
    assert texts[-1] == "1 dari 2: Ambil Nomor Antrean"

    press(qtbot, kiosk, Qt.Key_Return)                   # take a number
    assert kiosk.current == "agencies"
    press(qtbot, kiosk, Qt.Key_Down)                     # Disdukcapil -> Kantor Imigrasi
    press(qtbot, kiosk, Qt.Key_Up)                       # back to Disdukcapil
    press(qtbot, kiosk, Qt.Key_Return)
    assert kiosk.current == "services"
    press(qtbot, kiosk, Qt.Key_Down)                     # KTP-el -> Kartu Keluarga
    press(qtbot, kiosk, Qt.Key_Return)
    assert kiosk.current == "confirm" and kiosk.confirm_screen.service.id == "kk"
    mark = len(kiosk.speech.texts)
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        press(qtbot, kiosk, Qt.Key_Return)               # "Ambil Nomor"
    ticket = shown.args[0]
    qtbot.waitUntil(lambda: any("Tiket sudah dicetak" in text for text in kiosk.speech.texts[mark:]), timeout=3000)

    data = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert ticket["code"] == "A-001" and b"A-001" in data and not ticket["printer_failed"]
    assert [t.code for t in server.engine.waiting()] == ["A-001"]

    texts = kiosk.speech.texts
    expected = [  # each after the one before it
        "Pilih instansi. Ada 2 instansi.",
        "1 dari 2: Dinas Kependudukan dan Pencatatan Sipil. 0 orang menunggu.",
        "2 dari 2: Kantor Imigrasi",
        "Layanan Dinas Kependudukan dan Pencatatan Sipil. Ada 2 layanan.",
        "2 dari 2: Kartu Keluarga. Buka. 0 orang menunggu, perkiraan tunggu",
        "Anda memilih Kartu Keluarga, Dinas Kependudukan dan Pencatatan Sipil.",
        "0 orang menunggu, perkiraan tunggu",            # the chosen service's queue and wait
        "Tidak ada persyaratan khusus.",
        "1 dari 2: Ambil Nomor",
        "Nomor Anda a nol nol satu. Tiket sedang dicetak.",   # before it prints
        "Tiket sudah dicetak",                                # after it printed
        "Nomor antrean Anda a nol nol satu.",
        "Orang di depan Anda: 0",
        "Perkiraan tunggu:",
    ]
    at = 0
    for fragment in expected:
        at = index_of(texts, fragment, after=at) + 1
    assert index_of(texts, "Nomor Anda a nol nol satu.") >= mark

    # the ticket again, on Enter
    again = len(kiosk.speech.texts)
    press(qtbot, kiosk, Qt.Key_Return)
    assert "Nomor antrean Anda a nol nol satu." in kiosk.speech.texts[again:]

    # Back finishes the visit: home, speech off for the next visitor
    press(qtbot, kiosk, Qt.Key_Backspace)
    assert kiosk.current == "home" and not kiosk.speech.active


def test_interrupt_repeat_and_volume(qtbot, kiosk):
    heard = []
    kiosk.speech.subscribe(lambda what, queue: heard.append(what))
    press(qtbot, kiosk, Qt.Key_Asterisk)
    assert kiosk.speech.pending  # the intro is waiting for the player (there is none here)
    generation = kiosk.speech.generation

    press(qtbot, kiosk, Qt.Key_Z)                         # a key of no action: silence, nothing else
    assert not kiosk.speech.pending and kiosk.speech.generation > generation
    assert heard[-1] == "interrupt" and kiosk.current == "home"

    press(qtbot, kiosk, Qt.Key_Slash)                     # repeat: the last message again
    assert kiosk.speech.texts[-1] == "1 dari 2: Ambil Nomor Antrean"
    assert kiosk.speech.texts.count("Layar utama, MPP Uji.") == 2

    volume = kiosk.speech.volume
    press(qtbot, kiosk, Qt.Key_Plus)
    assert kiosk.speech.volume == round(volume + 0.1, 2)
    assert kiosk.speech.texts[-1] == f"Volume {round((volume + 0.1) * 100)} persen."
    press(qtbot, kiosk, Qt.Key_Minus)
    press(qtbot, kiosk, Qt.Key_Minus)
    assert kiosk.speech.volume == round(volume - 0.1, 2)
    # the volume sentence is not what "repeat" says again
    press(qtbot, kiosk, Qt.Key_F3)
    assert kiosk.speech.texts[-1] == "1 dari 2: Ambil Nomor Antrean"

    # speech ends with the visit (the idle timeout), volume back for the next visitor
    kiosk._go("agencies")
    kiosk._idle()
    assert kiosk.current == "home" and not kiosk.speech.active and kiosk.speech.volume == volume
    assert heard[-1] == "end"


def test_long_press_on_the_spot_starts_speech_and_a_tap_does_not(qtbot, kiosk):
    kiosk.speech_spot.timer.setInterval(200)
    qtbot.mouseClick(kiosk.speech_spot, LEFT)
    qtbot.wait(300)
    assert not kiosk.speech.active
    qtbot.mousePress(kiosk.speech_spot, LEFT)
    qtbot.waitUntil(lambda: kiosk.speech.active, timeout=2000)
    qtbot.mouseRelease(kiosk.speech_spot, LEFT)
    assert kiosk.speech.texts[0].startswith("Mode suara.")
    assert kiosk.speech_spot.geometry().top() > kiosk.height() // 2 or \
        kiosk.speech_spot.mapTo(kiosk, kiosk.speech_spot.rect().topLeft()).y() > kiosk.height() // 2


def test_a_closed_service_says_why_and_stays(qtbot, make_kiosk, server):
    kiosk = make_kiosk()
    lunch = server.engine.clock.now().astimezone(MAKASSAR).replace(hour=12, minute=15)
    server.engine.clock.set(lunch)  # the lunch break
    with qtbot.waitSignal(kiosk.catalog_loaded, timeout=5000):
        kiosk.refresh_catalog()
    press(qtbot, kiosk, Qt.Key_F2)
    press(qtbot, kiosk, Qt.Key_Return)
    press(qtbot, kiosk, Qt.Key_Return)
    assert kiosk.current == "services"
    mark = len(kiosk.speech.texts)
    press(qtbot, kiosk, Qt.Key_Return)
    assert kiosk.current == "services"
    assert "Istirahat siang" in " ".join(kiosk.speech.texts[mark:])


def test_the_key_layout_comes_from_config():
    layout = KeyLayout(KioskKeysSettings(select=["Space"], back=["Escape"]))
    assert layout.action("Space") == "select" and layout.action("Return") is None
    assert layout.action("Esc") == "back"   # Qt's name for Escape
    assert layout.action("F1") == "help" and layout.action("?") == "help"
    queue = SpeechQueue()
    assert queue.say(["nothing"], "id") == [] and queue.said == []  # silent until speech mode starts
