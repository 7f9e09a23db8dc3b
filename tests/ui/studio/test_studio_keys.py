"""The studio from the keyboard alone: Space, Enter, R, P and the arrows, as a signer and a helper use it."""
from pathlib import Path


from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer

from kiosk.ui.studio.model import Phase

from .conftest import open_studio


def _record_by_keys(qtbot, window) -> str:
    with qtbot.waitSignal(window.take_recorded, timeout=15000) as taken:
        qtbot.keyClick(window, Qt.Key.Key_Space)
        assert window.studio.phase == Phase.RECORDING
        qtbot.waitUntil(lambda: window.source.done, timeout=10000)
        qtbot.keyClick(window, Qt.Key.Key_Space)
    return taken.args[0]


def test_a_whole_sitting_from_the_keyboard(qtbot, config, tmp_path):
    folder = tmp_path / "voice-id"
    window = open_studio(qtbot, config, "voice", folder)
    window.setFocus()
    assert window.keys_label.text() == "Spasi rekam/berhenti · Enter simpan · R ulangi · P putar · ↑ ↓ pindah"
    ids = [item.id for item in window.studio.items]
    # Down, Down, Up: the second fragment is current, in the list too
    qtbot.keyClick(window, Qt.Key.Key_Down)
    qtbot.keyClick(window, Qt.Key.Key_Down)
    qtbot.keyClick(window, Qt.Key.Key_Up)
    assert window.studio.current == 1 and window.list.currentRow() == 1
    assert window.prompt_label.text() == window.studio.items[1].prompt
    first_take = _record_by_keys(qtbot, window)
    assert window.studio.phase == Phase.REVIEW
    # played back at once, and again with P
    qtbot.waitUntil(lambda: window.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
                    or window.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=5000)
    assert window.player.source().toLocalFile() == first_take
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.player.source().toLocalFile() == first_take
    # R: a new take, the first one dropped
    with qtbot.waitSignal(window.take_recorded, timeout=15000) as again:
        qtbot.keyClick(window, Qt.Key.Key_R)
        assert window.studio.phase == Phase.RECORDING
        qtbot.waitUntil(lambda: window.source.done, timeout=10000)
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert again.args[0] != first_take and window.studio.take == Path(again.args[0])
    # Enter keeps it as the second fragment; the next missing one down the list is current
    with qtbot.waitSignal(window.kept, timeout=15000):
        qtbot.keyClick(window, Qt.Key.Key_Return)
    assert (folder / f"{ids[1]}.wav").is_file() and not (folder / f"{ids[0]}.wav").exists()
    assert window.studio.current == 2 and window.list.currentRow() == 2
    # the next one straight away: Space, Space, Enter
    _record_by_keys(qtbot, window)
    with qtbot.waitSignal(window.kept, timeout=15000):
        qtbot.keyClick(window, Qt.Key.Key_Enter)
    assert (folder / f"{ids[2]}.wav").is_file()
    assert window.studio.current == 3 and window.studio.recorded_count == 2
    assert window.count_label.text() == f"2 dari {len(ids)} sudah direkam"
    # arrows do nothing while recording: the take belongs to the fragment it was started on
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.keyClick(window, Qt.Key.Key_Down)
    assert window.studio.current == 3
    qtbot.waitUntil(lambda: window.source.done, timeout=10000)
    with qtbot.waitSignal(window.take_recorded, timeout=15000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    window.shutdown()


def test_the_countdown_counts_then_records_and_space_cancels_it(qtbot, config, tmp_path):
    window = open_studio(qtbot, config, "voice", tmp_path / "voice-id", countdown_seconds=2)
    window.countdown.setInterval(50)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.studio.phase == Phase.COUNTDOWN and window.state_label.text() == "Mulai dalam 2…"
    qtbot.keyClick(window, Qt.Key.Key_Space)  # cancelled
    assert window.studio.phase == Phase.IDLE and not window.countdown.isActive()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state_label.text() == "Mulai dalam 1…", timeout=2000)
    qtbot.waitUntil(lambda: window.studio.phase == Phase.RECORDING, timeout=2000)
    qtbot.waitUntil(lambda: window.capture.recording, timeout=2000)  # record() is posted (common/media.py)
    qtbot.waitUntil(lambda: window.source.done, timeout=10000)
    with qtbot.waitSignal(window.take_recorded, timeout=15000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    window.shutdown()
