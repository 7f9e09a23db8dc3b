"""The kiosk's style sheet: sizes for a 21-32" touch screen at arm's length, 7:1 colours from the theme."""
from __future__ import annotations

from kiosk.ui.common import theme
from kiosk.ui.kiosk.widgets import DISABLED_BG

T = theme

STYLE = f"""
QWidget#kiosk {{ background: {T.NAVY}; }}
QWidget {{ font-family: "{T.FONT_FAMILY}"; color: {T.WHITE}; }}
QWidget#header {{ background: {T.NAVY_DARK}; }}
QWidget#footer {{ background: {T.NAVY_DARK}; }}

QLabel[kind="lobby-name"] {{ font-size: 34px; font-weight: bold; color: {T.WHITE}; }}
QLabel[kind="date"] {{ font-size: 26px; color: {T.PALE}; }}
QLabel[kind="clock"] {{ font-size: 44px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="header-title"] {{ font-size: 54px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="header-title-alert"] {{ font-size: 50px; font-weight: bold; color: {T.AMBER_TEXT}; }}
QLabel[kind="header-hint"] {{ font-size: 32px; color: {T.PALE}; }}
QLabel[kind="checkin-refusal"] {{ background: {T.RED}; color: {T.WHITE}; font-size: 34px; font-weight: bold;
    padding: 18px 24px; border-radius: 12px; }}
QLabel[kind="notice"] {{ background: {T.RED}; color: {T.WHITE}; font-size: 32px; font-weight: bold;
                         padding: 14px 24px; border-radius: 10px; }}

QLabel[kind="screen-title"] {{ font-size: 48px; font-weight: bold; color: {T.WHITE}; }}
QLabel[kind="ticket-title"] {{ font-size: 56px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="alert-title"] {{ font-size: 44px; font-weight: bold; color: {T.WHITE}; background: {T.RED};
                              padding: 12px 20px; border-radius: 12px; }}
QLabel[kind="screen-hint"] {{ font-size: 30px; color: {T.PALE}; }}
QLabel[kind="home-title"] {{ font-size: 84px; font-weight: bold; color: {T.WHITE}; }}
QLabel[kind="home-lobby"] {{ font-size: 46px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="big-message"] {{ font-size: 80px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="offline"] {{ font-size: 48px; font-weight: bold; color: {T.WHITE}; }}
QLabel[kind="page"] {{ font-size: 26px; color: {T.PALE}; }}
QLabel[kind="section"] {{ font-size: 34px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="confirm-title"] {{ font-size: 50px; font-weight: bold; color: {T.WHITE}; }}
QLabel[kind="agency-title"] {{ font-size: 44px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="agency-name"] {{ font-size: 30px; color: {T.PALE}; }}
QLabel[kind="query"] {{ font-size: 40px; font-weight: bold; color: {T.WHITE}; background: {T.PANEL};
                        border: 3px solid {T.PALE}; border-radius: 12px; padding: 0 20px; }}
QLabel[kind="query"][empty="true"] {{ color: {T.GREY_TEXT}; font-weight: normal; }}
QLabel[kind="count"] {{ font-size: 30px; color: {T.PALE}; }}


QLabel[kind="ticket-caption"] {{ font-size: 36px; color: {T.PALE}; }}
QLabel[kind="ticket-code"] {{ font-size: 210px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="ticket-code"][compact="true"] {{ font-size: 150px; }}
QLabel[kind="priority-mark"] {{ font-size: 36px; font-weight: bold; color: {T.WHITE}; background: {T.PRIORITY};
                                padding: 6px 16px; border-radius: 8px; }}
QLabel[kind="ticket-info"] {{ font-size: 32px; color: {T.WHITE}; }}
QLabel[kind="qr"] {{ background: white; padding: 0; }}

QPushButton {{ font-size: 30px; font-weight: bold; border-radius: 14px; padding: 8px 24px;
               background: {T.PANEL}; color: {T.WHITE}; border: 3px solid {T.PALE}; }}
QPushButton:pressed {{ border-color: {T.YELLOW}; }}
QPushButton:disabled {{ background: {DISABLED_BG}; color: {T.GREY_TEXT}; border-color: {DISABLED_BG}; }}
QPushButton[kind="take"] {{ font-size: 64px; background: {T.YELLOW}; color: {T.NAVY}; border: 6px solid {T.WHITE};
                            border-radius: 28px; }}
QPushButton[kind="take"]:pressed {{ background: {T.WHITE}; }}
QPushButton[kind="priority-home"] {{ font-size: 34px; background: {T.PRIORITY}; color: {T.WHITE};
                                     border: 4px solid {T.WHITE}; border-radius: 22px; }}
QPushButton[kind="confirm"] {{ font-size: 48px; background: {T.GREEN}; color: {T.WHITE}; border: 4px solid {T.WHITE}; }}
QPushButton[kind="confirm"][compact="true"] {{ font-size: 38px; }}
QPushButton[kind="confirm"]:disabled {{ background: {DISABLED_BG}; color: {T.GREY_TEXT}; }}
QPushButton[kind="search"] {{ font-size: 32px; font-weight: normal; text-align: left; padding-left: 28px;
                              background: {T.PANEL}; border: 3px solid {T.PALE}; }}
QPushButton[kind="page"] {{ font-size: 26px; }}
QPushButton[kind="page"][nav="sides"] {{ font-size: 21px; padding: 4px; }}
QPushButton[kind="nav"] {{ font-size: 32px; min-width: 240px; }}
QPushButton[kind="header"] {{ font-size: 26px; padding: 6px 22px; }}
QPushButton[kind="speech-spot"] {{ font-size: 26px; padding: 6px 22px; border: 4px dashed {T.YELLOW}; }}
QPushButton[kind="help"] {{ font-size: 28px; padding: 6px 22px; background: {T.PRIORITY}; border: 3px solid {T.WHITE}; }}
QPushButton[kind="header"][narrow="true"], QPushButton[kind="speech-spot"][narrow="true"],
QPushButton[kind="help"][narrow="true"] {{ font-size: 22px; padding: 4px 12px; }}
QPushButton[kind="done"] {{ font-size: 36px; }}
QPushButton[kind="service"] {{ background: {T.PANEL}; border: 3px solid {T.PALE}; border-radius: 14px; padding: 0; }}
QPushButton[kind="service"]:pressed {{ border-color: {T.YELLOW}; }}
QPushButton[kind="service"][closed="true"] {{ background: {DISABLED_BG}; border: 3px dashed {T.GREY_TEXT}; }}
QPushButton[kind="service"]:disabled {{ background: {DISABLED_BG}; border: 3px dashed {T.GREY_TEXT}; }}
QPushButton[kind="priority"] {{ background: {T.PANEL}; border: 4px solid {T.PALE}; padding: 0; }}
QPushButton[kind="priority"]:checked {{ background: {T.PRIORITY}; border-color: {T.YELLOW}; }}

QWidget#pin-overlay {{ background: {T.NAVY_DARK}; }}
QLabel[kind="pin-title"] {{ font-size: 40px; font-weight: bold; color: {T.WHITE}; }}
QLabel[kind="pin-dots"] {{ font-size: 56px; font-weight: bold; color: {T.YELLOW}; }}
QLabel[kind="pin-message"] {{ font-size: 28px; color: {T.AMBER_TEXT}; }}
"""
