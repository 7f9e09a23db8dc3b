"""Pictograms (assets/pictograms/<name>.svg) rendered for a tile: one colour, at the device's pixel size.

The SVGs draw in ``currentColor``; the colour is put into the text before it is rendered, so one
file serves every tile background. Renders are cached: a tile refresh every 10 s redraws nothing.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from kiosk.config import PICTOGRAMS_DIR


@lru_cache(maxsize=64)
def _svg_text(name: str) -> str | None:
    try:
        return (PICTOGRAMS_DIR / f"{name}.svg").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def pictogram_renderer(name: str, colour: str = "#FFFFFF") -> QSvgRenderer | None:
    """The renderer of one shipped pictogram in ``colour`` (None for an unknown name or a broken file)."""
    text = _svg_text(name)
    if text is None:
        return None
    renderer = QSvgRenderer(QByteArray(text.replace("currentColor", colour).encode("utf-8")))
    return renderer if renderer.isValid() else None


@lru_cache(maxsize=512)
def _rendered(name: str, device_px: int, colour: str) -> QPixmap:
    renderer = pictogram_renderer(name, colour)
    if renderer is None:
        return QPixmap()  # null: the tile shows its text alone
    pixmap = QPixmap(device_px, device_px)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter)
    painter.end()
    return pixmap


def pictogram_pixmap(name: str | None, px: int, colour: str = "#FFFFFF", device_ratio: float = 1.0) -> QPixmap:
    """``name`` drawn ``px`` logical pixels square in ``colour``, sharp on a screen of ``device_ratio``;
    an empty pixmap for no name or an unknown one (a tile then shows its text only)."""
    if not name:
        return QPixmap()
    rendered = _rendered(name, max(1, round(px * device_ratio)), colour)
    if rendered.isNull():
        return rendered
    pixmap = QPixmap(rendered)
    pixmap.setDevicePixelRatio(device_ratio)
    return pixmap


def pictogram_strip(names: tuple[str, ...], px: int, colour: str = "#FFFFFF", gap: int = 8,
                    device_ratio: float = 1.0) -> QPixmap:
    """Several pictograms in a row, ``px`` high (a button's icon: who priority is for, in drawings)."""
    width = len(names) * px + max(0, len(names) - 1) * gap
    strip = QPixmap(max(1, round(width * device_ratio)), max(1, round(px * device_ratio)))
    strip.setDevicePixelRatio(device_ratio)
    strip.fill(Qt.transparent)
    painter = QPainter(strip)
    for index, name in enumerate(names):
        painter.drawPixmap(index * (px + gap), 0, pictogram_pixmap(name, px, colour, device_ratio))
    painter.end()
    return strip
