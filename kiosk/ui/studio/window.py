"""`mpp-kiosk studio`: record a voice or sign pack, one fragment after another, from the keyboard.

Left, the list of what the config's calls need (✓ recorded); right, the prompt (the words to say,
or the gloss and a reference note), a countdown, the level meter (voice) or the camera picture
with a framing guide (sign), and the keys. Space records and stops, P plays the take back, Enter
keeps it (saved into the pack off the GUI thread: trimmed and normalised, or transcoded), R redoes
it, the arrow keys move in the list. A folder without pack.toml first asks for the manifest.
"""
from __future__ import annotations

import logging
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoSink
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import t
from kiosk.ui.common import theme
from kiosk.ui.common.media import PostedPlayer
from kiosk.ui.common.tasks import Tasks
from kiosk.ui.studio.capture import CaptureRecorder
from kiosk.ui.studio.model import PackFields, Phase, Studio, create_pack, pack_exists

log = logging.getLogger(__name__)

KEYS = {Qt.Key.Key_Space: "space", Qt.Key.Key_Return: "enter", Qt.Key.Key_Enter: "enter", Qt.Key.Key_R: "r",
        Qt.Key.Key_P: "p", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down"}
COUNTDOWN_SECONDS = 3


class FramingView(QWidget):
    """The camera's picture with the framing guide: the signer's head, hands and upper body inside the box."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.picture: QImage | None = None
        self.setMinimumSize(480, 270)

    def show_image(self, picture: QImage) -> None:
        self.picture = picture
        self.update()

    def guide_rect(self) -> QRectF:
        """The 16:9 picture area inside the widget."""
        width = min(self.width(), self.height() * 16 / 9)
        height = width * 9 / 16
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        area = self.guide_rect()
        painter.fillRect(self.rect(), QColor(theme.NAVY_DARK))
        if self.picture is not None and not self.picture.isNull():
            painter.drawImage(area, self.picture)
        # from the head's top to the waist, elbows inside: the box a legible sign needs
        pen = QPen(QColor(theme.YELLOW), 3, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        box = QRectF(area.left() + area.width() * 0.22, area.top() + area.height() * 0.06,
                     area.width() * 0.56, area.height() * 0.90)
        painter.drawRect(box)
        painter.drawLine(box.left(), area.top() + area.height() * 0.40, box.right(), area.top() + area.height() * 0.40)
        painter.drawEllipse(QRectF(area.center().x() - area.width() * 0.06, box.top() + area.height() * 0.04,
                                   area.width() * 0.12, area.height() * 0.24))
        painter.end()


class NewPackForm(QWidget):
    """The manifest of a new pack: who, licence, consent (and the language or the region)."""
    created = Signal()

    def __init__(self, kind: str, folder: Path, lang: str, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind, self.folder, self.lang, self.today = kind, folder, lang, today
        layout = QVBoxLayout(self)
        title = QLabel(t("studio.new_pack_title", lang, folder=str(folder)))
        title.setObjectName("new_pack_title")
        title.setWordWrap(True)
        layout.addWidget(title)
        form = QFormLayout()
        self.person = QLineEdit()
        self.licence = QLineEdit()
        self.licence.setPlaceholderText(t("studio.licence_hint", lang))
        self.consent = QLineEdit()
        self.consent.setPlaceholderText(t("studio.consent_hint", lang))
        form.addRow(t("studio.speaker" if kind == "voice" else "studio.signer", lang), self.person)
        form.addRow(t("studio.licence", lang), self.licence)
        form.addRow(t("studio.consent", lang), self.consent)
        self.language = QComboBox()
        self.region = QLineEdit()
        self.numbers = QComboBox()
        if kind == "voice":
            self.language.addItem(t("studio.language_id", lang), "id")
            self.language.addItem(t("studio.language_en", lang), "en")
            form.addRow(t("studio.language", lang), self.language)
        else:
            form.addRow(t("studio.region", lang), self.region)
            self.numbers.addItem(t("studio.numbers_digits", lang), "digits")
            self.numbers.addItem(t("studio.numbers_whole", lang), "whole")
            form.addRow(t("studio.numbers", lang), self.numbers)
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet(f"color: {theme.RED};")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.create_button = QPushButton(t("studio.create_pack", lang))
        self.create_button.clicked.connect(self.create)
        layout.addWidget(self.create_button)
        layout.addStretch(1)

    def fields(self) -> PackFields:
        return PackFields(person=self.person.text(), licence=self.licence.text(), consent=self.consent.text(),
                          language=self.language.currentData() or "id", region=self.region.text(),
                          numbers=self.numbers.currentData() or "digits")

    def create(self) -> bool:
        fields = self.fields()
        missing = fields.problems(self.kind)
        if missing:
            self.problem.setText(" ".join(t(msgid, self.lang) for msgid in missing))
            return False
        create_pack(self.folder, self.kind, fields, self.today)
        self.created.emit()
        return True


class StudioWindow(QWidget):
    """The studio. ``source`` is a synthetic source (tests, a PC without devices); else ``device`` or the
    system's default microphone or camera. ``countdown_seconds`` and ``today`` are injected for tests."""
    take_recorded = Signal(str)
    kept = Signal(str)          # the file written into the pack
    keep_failed = Signal(list)  # the sentences

    def __init__(self, config, kind: str, folder: Path, lang: str = "id", source=None, device=None,
                 countdown_seconds: int = COUNTDOWN_SECONDS, today: date | None = None,
                 takes_dir: Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.config, self.kind, self.folder, self.lang = config, kind, Path(folder), lang
        self.source, self.device = source, device
        self.countdown_seconds = countdown_seconds
        self._takes = tempfile.TemporaryDirectory(prefix="mpp-studio-") if takes_dir is None else None
        self.takes_dir = Path(takes_dir) if takes_dir is not None else Path(self._takes.name)
        self._take_number = 0
        self._take_peak = 0  # the loudest the meter showed in this take: shown while it is reviewed
        self._remaining = 0
        self.studio: Studio | None = None
        self.capture: CaptureRecorder | None = None
        self.tasks = Tasks(max_threads=1, parent=self)
        self.setWindowTitle(t("studio.title_voice" if kind == "voice" else "studio.title_sign", lang))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(f"QWidget {{ background: {theme.LIGHT_BG}; color: {theme.INK}; }}")

        self.pages = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)
        self.form = NewPackForm(kind, self.folder, lang, today or date.today())
        self.form.created.connect(self._open_pack)
        self.pages.addWidget(self.form)
        self.pages.addWidget(self._build_recording_page())

        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._tick)
        self.player = QMediaPlayer(self)
        self.audio_output = QAudioOutput(self)
        self.player.setAudioOutput(self.audio_output)
        self.playback_sink = QVideoSink(self)
        self.playback_sink.videoFrameChanged.connect(self._on_playback_frame)
        if kind == "sign":
            self.player.setVideoOutput(self.playback_sink)
        self.media = PostedPlayer(self.player, self.audio_output)  # calls into the engine posted (common/media.py)
        if pack_exists(self.folder):
            self._open_pack()

    # ------------------------------------------------------------------ layout

    def _build_recording_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        left = QVBoxLayout()
        self.pack_label = QLabel("")
        self.pack_label.setWordWrap(True)
        left.addWidget(self.pack_label)
        self.device_box = QComboBox()
        self.device_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        left.addWidget(self.device_box)
        self.count_label = QLabel("")
        self.count_label.setObjectName("count")
        left.addWidget(self.count_label)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setMinimumWidth(430)
        self.list.currentRowChanged.connect(self._on_row_clicked)
        left.addWidget(self.list, 1)
        row.addLayout(left, 2)

        right = QVBoxLayout()
        self.prompt_caption = QLabel(t("studio.say_this" if self.kind == "voice" else "studio.sign_this", self.lang))
        right.addWidget(self.prompt_caption)
        self.prompt_label = QLabel("")
        self.prompt_label.setObjectName("prompt")
        self.prompt_label.setStyleSheet(f"font-size: 44px; font-weight: bold; color: {theme.ACCENT};")
        self.prompt_label.setWordWrap(True)
        right.addWidget(self.prompt_label)
        self.note_label = QLabel("")
        self.note_label.setObjectName("note")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(f"color: {theme.MUTED_TEXT};")
        right.addWidget(self.note_label)
        self.state_label = QLabel("")
        self.state_label.setObjectName("state")
        self.state_label.setStyleSheet("font-size: 28px; font-weight: bold;")
        self.state_label.setWordWrap(True)
        right.addWidget(self.state_label)
        self.level_meter = QProgressBar()
        self.level_meter.setRange(0, 100)
        self.level_meter.setTextVisible(False)
        self.level_meter.setVisible(self.kind == "voice")
        right.addWidget(self.level_meter)
        self.framing = FramingView()
        self.framing.setVisible(self.kind == "sign")
        right.addWidget(self.framing, 1)
        self.problem_label = QLabel("")
        self.problem_label.setObjectName("problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {theme.RED};")
        right.addWidget(self.problem_label)
        right.addStretch(0 if self.kind == "sign" else 1)
        self.keys_label = QLabel(t("studio.keys", self.lang))
        self.keys_label.setObjectName("keys")
        self.keys_label.setWordWrap(True)
        self.keys_label.setStyleSheet(f"background: {theme.CARD}; padding: 8px; font-size: 18px;")
        right.addWidget(self.keys_label)
        row.addLayout(right, 3)
        return page

    # ------------------------------------------------------------------ the pack

    def _open_pack(self) -> None:
        self.studio = Studio(self.kind, self.folder, self.config)
        devices = QMediaDevices.audioInputs() if self.kind == "voice" else QMediaDevices.videoInputs()
        self.device_box.clear()
        if self.source is not None:
            self.device_box.addItem(t("studio.synthetic_source", self.lang))
        elif devices:
            for device in devices:
                self.device_box.addItem(device.description(), device)
            if self.device is not None:
                index = next((i for i, d in enumerate(devices) if d.id() == self.device.id()), 0)
                self.device_box.setCurrentIndex(index)
        else:
            self.device_box.addItem(t("studio.no_microphone" if self.kind == "voice" else "studio.no_camera",
                                      self.lang))
        self.device_box.currentIndexChanged.connect(self._on_device_chosen)
        self._make_recorder(self.device if self.source is None and devices else None)
        self.pages.setCurrentIndex(1)
        self.pack_label.setText(t("studio.pack", self.lang, folder=str(self.folder)))
        self._fill_list()
        self._show()
        self.setFocus()

    def _make_recorder(self, device) -> None:
        if self.capture is not None:
            self.capture.close()
            self.capture.deleteLater()
        if self.source is None and not (QMediaDevices.audioInputs() if self.kind == "voice"
                                        else QMediaDevices.videoInputs()):
            self.capture = None  # nothing to record from: the box says so
            return
        self.capture = CaptureRecorder(self.kind, device=device, source=self.source, parent=self)
        self.capture.take_ready.connect(self._on_take_ready)
        self.capture.failed.connect(self._on_take_failed)
        self.capture.level.connect(self._on_level)
        self.capture.image.connect(self.framing.show_image)
        if self.kind == "sign" and self.source is not None:
            self.framing.show_image(self.source.still())

    def _on_level(self, level: float) -> None:
        value = min(100, int(level * 300))  # speech at -20 dBFS RMS shows at 30%
        if self.studio is not None and self.studio.phase == Phase.RECORDING:
            self._take_peak = max(self._take_peak, value)
            self.level_meter.setValue(value)

    def _on_device_chosen(self, index: int) -> None:
        device = self.device_box.itemData(index)
        if device is not None and self.source is None:
            self._make_recorder(device)

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for item in self.studio.items:
            mark = "✓" if item.recorded else "○"
            row = QListWidgetItem(f"{mark}  {item.prompt}   ({item.id})" if item.prompt != item.id
                                  else f"{mark}  {item.id}")
            if item.recorded:
                row.setForeground(QColor(theme.GREEN))
            self.list.addItem(row)
        self.list.setCurrentRow(self.studio.current)
        self.list.blockSignals(False)
        self.count_label.setText(t("studio.recorded_count", self.lang, recorded=self.studio.recorded_count,
                                   total=len(self.studio.items)))

    def _on_row_clicked(self, row: int) -> None:
        if self.studio is not None and row >= 0 and row != self.studio.current:
            self.studio.select(row)
            self._show()

    # ------------------------------------------------------------------ what is shown

    def _show(self) -> None:
        studio = self.studio
        item = studio.item
        self.list.blockSignals(True)
        self.list.setCurrentRow(studio.current)
        self.list.blockSignals(False)
        if item is None:
            self.prompt_label.setText("")
            self.note_label.setText("")
        else:
            self.prompt_label.setText(item.prompt)
            note = t(f"studio.note_{self.kind}_{item.category}", self.lang)
            if item.recorded:
                note += " " + t("studio.already_recorded", self.lang)
            self.note_label.setText(note)
        state = {Phase.IDLE: t("studio.state_ready", self.lang),
                 Phase.COUNTDOWN: t("studio.state_countdown", self.lang, seconds=self._remaining),
                 Phase.RECORDING: t("studio.state_recording", self.lang),
                 Phase.REVIEW: t("studio.state_review", self.lang),
                 Phase.SAVING: t("studio.state_saving", self.lang)}[studio.phase]
        if self.capture is None:
            state = t("studio.no_microphone" if self.kind == "voice" else "studio.no_camera", self.lang)
        self.state_label.setText(state)
        colour = theme.RED if studio.phase == Phase.RECORDING else theme.INK
        self.state_label.setStyleSheet(f"font-size: 28px; font-weight: bold; color: {colour};")
        self.problem_label.setText(" ".join(studio.problems))

    # ------------------------------------------------------------------ keys

    def _stop_player(self) -> None:
        # posted, never called with the GIL held: see kiosk/ui/common/media.py for the deadlock it avoids
        self.media.stop()

    def keyPressEvent(self, event) -> None:
        name = KEYS.get(event.key())
        if self.studio is None or self.pages.currentIndex() != 1 or name is None:
            super().keyPressEvent(event)
            return
        self.press(name)

    def press(self, name: str) -> str | None:
        """One key, by name (as keyPressEvent passes it on)."""
        if self.capture is None and name in ("space", "r"):
            return None
        action = self.studio.key(name)
        if action in ("countdown", "redo"):
            self._stop_player()
            self._remaining = self.countdown_seconds
            if self._remaining <= 0:
                self._start_recording()
            else:
                self.countdown.start()
        elif action == "cancel":
            self.countdown.stop()
        elif action == "stop":
            self.capture.stop()
        elif action == "play":
            self.play_take()
        elif action == "keep":
            self._keep()
        elif action == "move":
            self._stop_player()
        self._show()
        return action

    def _tick(self) -> None:
        self._remaining -= 1
        if self._remaining <= 0:
            self.countdown.stop()
            self._start_recording()
        self._show()

    def _start_recording(self) -> None:
        self.studio.countdown_over()
        self._take_number += 1
        self._take_peak = 0
        suffix = "wav" if self.kind == "voice" else "mp4"
        self.capture.start(self.takes_dir / f"take-{self._take_number}.{suffix}")

    def _on_take_ready(self, path: str) -> None:
        self.studio.take_ready(Path(path))
        self.level_meter.setValue(self._take_peak)
        self._show()
        self.take_recorded.emit(path)
        self.play_take()  # played back at once: the helper hears or sees what was recorded

    def _on_take_failed(self, message: str) -> None:
        self.studio.take_failed([t("studio.take_failed", self.lang, reason=message)])
        self._show()

    def play_take(self) -> None:
        if self.studio.take is None:
            return
        self._stop_player()
        self.media.set_source(self.studio.take)
        self.media.play()

    def _on_playback_frame(self, frame) -> None:
        if frame.isValid():
            self.framing.show_image(frame.toImage())

    def _keep(self) -> None:
        self._stop_player()
        studio, item, take = self.studio, self.studio.item, self.studio.take
        self.tasks.run(lambda: studio.save(item, take), on_done=self._on_kept, on_error=self._on_keep_error)

    def _on_kept(self, path) -> None:
        self.studio.saved()
        self._fill_list()
        self._show()
        self.kept.emit(str(path))

    def _on_keep_error(self, exc: BaseException) -> None:
        problems = list(getattr(exc, "problems", None) or [str(exc) or type(exc).__name__])
        self.studio.save_failed(problems)
        self._show()
        self.keep_failed.emit(problems)

    # ------------------------------------------------------------------ the end

    def start(self) -> None:
        self.setFocus()

    def shutdown(self) -> None:
        self.countdown.stop()
        self.media.release()
        if self.capture is not None:
            self.capture.close()
        self.tasks.wait(30000)
        if self._takes is not None:
            self._takes.cleanup()


def default_pack_folder(config, kind: str) -> Path:
    if kind == "voice":
        packs = dict(getattr(config.audio, "voice_packs", {}) or {})
        return config.path(packs["id"]) if "id" in packs else config.path("packs/voice-id")
    return config.path(config.sign.pack) if config.sign.pack is not None else config.path("packs/sign")


def main(args) -> int:
    from kiosk.cli import load_or_report
    from kiosk.ui.common.app import make_app, quit_on_sigint

    config = load_or_report(args.config)
    if config is None:
        return 1
    kind = getattr(args, "kind", "voice") or "voice"
    folder = args.pack if getattr(args, "pack", None) is not None else default_pack_folder(config, kind)
    if folder.exists() and not folder.is_dir():
        print(f"studio: {folder} is a file; give a pack folder", file=sys.stderr)
        return 2
    app = make_app()
    wake = quit_on_sigint(app)  # noqa: F841 - referenced: it wakes Python for Ctrl+C
    lang = config.lobby.default_language if hasattr(config.lobby, "default_language") else "id"
    window = StudioWindow(config, kind, folder, lang=lang)
    window.resize(1280, 800)
    window.show()
    window.start()
    try:
        return app.exec()
    finally:
        window.shutdown()
