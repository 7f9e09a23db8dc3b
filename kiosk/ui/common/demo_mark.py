"""The DEMO mark on every window of `mpp-kiosk run --demo`: nobody takes a trial for the real lobby.

A small tag at the top centre of the window, above everything, kept in place as the window is
resized; it says the queue is a demo and, when the demo runs on a demo clock (the lobby was closed
when it started), the lobby time it pretends. Mouse clicks go through it to what lies below.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.i18n import t
from kiosk.ui.common import theme


class DemoMark(QLabel):
    def __init__(self, window: QWidget, lang: str, clock_start: datetime | None = None):
        text = t("demo.mark", lang)
        if clock_start is not None:
            text = t("demo.mark_clock", lang, time=f"{clock_start:%H:%M}")
        super().__init__(text, window)
        self.setObjectName("demoMark")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(f"background: {theme.RED}; color: {theme.WHITE}; font-family: '{theme.FONT_FAMILY}';"
                           "font-size: 16px; font-weight: bold; padding: 2px 12px; border-radius: 4px;")
        window.installEventFilter(self)
        self._place()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.ChildAdded):
            self._place()
        return False

    def _place(self) -> None:
        window = self.parentWidget()
        self.adjustSize()
        self.move(max(0, (window.width() - self.width()) // 2), 0)
        self.raise_()


def mark_demo(windows: dict[str, QWidget], lang: str, clock_start: datetime | None = None) -> dict[str, DemoMark]:
    return {name: DemoMark(window, lang, clock_start) for name, window in windows.items()}
