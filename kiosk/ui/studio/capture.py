"""What the studio records from: a QMediaCaptureSession + QMediaRecorder fed by a microphone or a
camera, or by a synthetic source (QAudioBufferInput / QVideoFrameInput) on a PC without either.

The synthetic sources play a short script (silence, a tone, silence; or a drawn figure that moves)
through the same session and recorder as a device, so a test or a trial run records a real WAV or
MP4 the way a signer's take is recorded. They send as fast as the encoder takes: the take's
length is the script's, not the wall clock's.
"""
from __future__ import annotations

import array
import math
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QPointF, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import (
    QAudioBuffer,
    QAudioBufferInput,
    QAudioFormat,
    QAudioInput,
    QAudioSource,
    QCamera,
    QMediaCaptureSession,
    QMediaFormat,
    QMediaRecorder,
    QVideoFrame,
    QVideoFrameFormat,
    QVideoFrameInput,
    QVideoSink,
)

from kiosk.ui.common.media import post, settle

AUDIO_RATE = 48000
CHUNK_MS = 20
VIDEO_SIZE = QSize(640, 360)
VIDEO_FPS = 25


def rms_level(samples: array.array) -> float:
    """0..1: the chunk's RMS against full scale (what the level meter shows)."""
    if not samples:
        return 0.0
    return math.sqrt(sum(v * v for v in samples) / len(samples)) / 32768.0


# --------------------------------------------------------------------------- synthetic sources

class ToneSource(QObject):
    """A synthetic microphone: silence, a tone, silence (``script`` of (seconds, Hz, amplitude))."""
    level = Signal(float)
    finished = Signal()

    DEFAULT_SCRIPT = ((0.3, 0.0, 0.0), (0.6, 330.0, 0.3), (0.3, 0.0, 0.0))

    def __init__(self, script=DEFAULT_SCRIPT, parent: QObject | None = None):
        super().__init__(parent)
        self.format = QAudioFormat()
        self.format.setSampleRate(AUDIO_RATE)
        self.format.setChannelCount(1)
        self.format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self.input = QAudioBufferInput(self.format)
        # queued: the encoder's thread asks for more; the answer is made on this object's (GUI) thread, so
        # that thread never needs Python's lock while the GUI thread waits on it (a deadlock under load)
        self.input.readyToSendAudioBuffer.connect(self._send, Qt.ConnectionType.QueuedConnection)
        self.script = tuple(script)
        self._chunks: list[array.array] = []
        self._sent = 0

    def rewind(self) -> None:
        size = AUDIO_RATE * CHUNK_MS // 1000
        samples = array.array("h")
        for seconds, frequency, amplitude in self.script:
            count = int(seconds * AUDIO_RATE)
            start = len(samples)
            samples.extend(int(32767 * amplitude * math.sin(2 * math.pi * frequency * (start + i) / AUDIO_RATE))
                           for i in range(count))
        self._chunks = [samples[i:i + size] for i in range(0, len(samples), size)]
        self._sent = 0

    def _send(self) -> None:
        if self._sent >= len(self._chunks):
            return
        chunk = self._chunks[self._sent]
        self._sent += 1
        # the buffer's own timestamp: the encoder lays chunks end to end by it
        start_us = (self._sent - 1) * CHUNK_MS * 1000
        self.input.sendAudioBuffer(QAudioBuffer(QByteArray(chunk.tobytes()), self.format, start_us))
        self.level.emit(rms_level(chunk))
        if self._sent == len(self._chunks):
            self.finished.emit()

    @property
    def done(self) -> bool:
        return bool(self._chunks) and self._sent >= len(self._chunks)


class FigureSource(QObject):
    """A synthetic camera: a drawn figure (head and raised hands) that moves, ``seconds`` long."""
    image = Signal(QImage)
    finished = Signal()

    def __init__(self, seconds: float = 1.2, parent: QObject | None = None):
        super().__init__(parent)
        self.input = QVideoFrameInput(QVideoFrameFormat(VIDEO_SIZE, QVideoFrameFormat.PixelFormat.Format_BGRA8888))
        self.input.readyToSendVideoFrame.connect(self._send, Qt.ConnectionType.QueuedConnection)  # as above
        self.frames = max(1, int(seconds * VIDEO_FPS))
        self._sent = self.frames  # nothing to send before the first take

    def rewind(self) -> None:
        self._sent = 0

    def still(self) -> QImage:
        return figure_image(0)

    def _send(self) -> None:
        if self._sent >= self.frames:
            return
        n = self._sent
        self._sent += 1
        picture = figure_image(n)
        frame = QVideoFrame(picture)
        frame.setStartTime(n * 1_000_000 // VIDEO_FPS)
        frame.setEndTime((n + 1) * 1_000_000 // VIDEO_FPS)
        self.input.sendVideoFrame(frame)
        self.image.emit(picture)
        if self._sent == self.frames:
            self.finished.emit()

    @property
    def done(self) -> bool:
        return self._sent >= self.frames


def figure_image(n: int) -> QImage:
    """A plain stand-in for a signer: dark clothes on a plain wall, hands moving at chest height."""
    picture = QImage(VIDEO_SIZE, QImage.Format.Format_ARGB32)
    picture.fill(QColor("#C9CED6"))
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#1F2A3A"))
    painter.drawRoundedRect(QRectF(220, 150, 200, 230), 60, 60)   # body
    painter.setBrush(QColor("#B98A6A"))
    painter.drawEllipse(QPointF(320, 105), 42, 52)                # head
    swing = 40 * math.sin(n / 4)
    painter.drawEllipse(QPointF(250 + swing, 200), 22, 22)        # hands
    painter.drawEllipse(QPointF(390 - swing, 200 - swing / 2), 22, 22)
    painter.end()
    return picture


# --------------------------------------------------------------------------- the recorder

class CaptureRecorder(QObject):
    """One take at a time into a file, from a device or a synthetic source, through QMediaRecorder."""
    take_ready = Signal(str)      # the take's file
    failed = Signal(str)          # a sentence
    level = Signal(float)         # voice: 0..1 per captured buffer
    image = Signal(QImage)        # sign: the camera's picture (preview)

    def __init__(self, kind: str, device=None, source: QObject | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.kind = kind
        self.source = source
        self.session = QMediaCaptureSession(self)
        self.recorder = QMediaRecorder(self)
        self.session.setRecorder(self.recorder)
        self._meter: QAudioSource | None = None
        self._meter_io = None
        self.camera: QCamera | None = None
        self.audio_input: QAudioInput | None = None
        self.sink = QVideoSink(self)
        if kind == "voice":
            media = QMediaFormat(QMediaFormat.FileFormat.Wave)
            media.setAudioCodec(QMediaFormat.AudioCodec.Wave)
            if source is not None:
                self.session.setAudioBufferInput(source.input)
                source.level.connect(self.level)
            else:
                self.audio_input = QAudioInput(device, self) if device is not None else QAudioInput(self)
                self.session.setAudioInput(self.audio_input)
                self._start_meter(self.audio_input.device())
        else:
            media = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
            media.setVideoCodec(QMediaFormat.VideoCodec.H264)
            self.recorder.setVideoFrameRate(VIDEO_FPS)
            self.recorder.setVideoResolution(VIDEO_SIZE)
            if source is not None:
                self.session.setVideoFrameInput(source.input)
                source.image.connect(self.image)
            else:
                self.camera = QCamera(device, self) if device is not None else QCamera(self)
                self.session.setCamera(self.camera)
                self.session.setVideoSink(self.sink)
                self.sink.videoFrameChanged.connect(self._on_camera_frame)
                post(self.camera, "start")
        self.recorder.setMediaFormat(media)
        self.recorder.recorderStateChanged.connect(self._on_state)
        self.recorder.errorOccurred.connect(self._on_error)
        self._target: Path | None = None

    @property
    def recording(self) -> bool:
        return self.recorder.recorderState() == QMediaRecorder.RecorderState.RecordingState

    def start(self, target: Path) -> None:
        self._target = Path(target)
        self._target.unlink(missing_ok=True)
        self.recorder.setOutputLocation(QUrl.fromLocalFile(str(self._target)))
        if self.source is not None:
            self.source.rewind()
        post(self.recorder, "record")  # posted: see kiosk/ui/common/media.py for the deadlock it avoids

    def stop(self) -> None:
        post(self.recorder, "stop")

    def close(self, wait_ms: int = 2000) -> None:
        """Stop recording and the camera, and let the event loop run it before this object goes."""
        post(self.recorder, "stop")
        if self._meter is not None:
            self._meter.stop()
        if self.camera is not None:
            post(self.camera, "stop")
        settle(lambda: self.recorder.recorderState() == QMediaRecorder.RecorderState.StoppedState
               and (self.camera is None or not self.camera.isActive()), wait_ms)

    def _on_state(self, state) -> None:
        if state == QMediaRecorder.RecorderState.StoppedState and self._target is not None:
            target, self._target = self._target, None
            if target.is_file() and target.stat().st_size > 0:
                self.take_ready.emit(str(target))
            else:
                self.failed.emit(str(target))

    def _on_error(self, error, message: str) -> None:
        if error != QMediaRecorder.Error.NoError:
            self._target = None
            self.failed.emit(message)

    def _on_camera_frame(self, frame: QVideoFrame) -> None:
        if frame.isValid():
            self.image.emit(frame.toImage())

    def _start_meter(self, device) -> None:
        # the level of the microphone itself: QMediaCaptureSession does not hand its buffers out
        fmt = QAudioFormat()
        fmt.setSampleRate(AUDIO_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if device.isNull() or not device.isFormatSupported(fmt):
            return
        self._meter = QAudioSource(device, fmt, self)
        self._meter_io = self._meter.start()
        if self._meter_io is not None:
            self._meter_io.readyRead.connect(self._read_meter)

    def _read_meter(self) -> None:
        data = bytes(self._meter_io.readAll())
        samples = array.array("h")
        samples.frombytes(data[: len(data) // 2 * 2])
        self.level.emit(rms_level(samples))
