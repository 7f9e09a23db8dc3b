"""The kiosk shows the lobby's logo from its file cache when the lobby's files are not on this PC."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.client import ApiClient
from kiosk.files import sync_files, use_files
from support.configs import DEVICE_KEYS
from support.lobby_files import files_config

from .conftest import KIOSK_SECTION

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def config(tmp_path):
    return files_config(tmp_path / "lobby", {"kiosk": KIOSK_SECTION})


def test_the_logo_comes_from_the_cache(make_kiosk, server, config, tmp_path):
    with ApiClient(server.url, DEVICE_KEYS["kiosk"]) as client:
        files = sync_files(client, tmp_path / "cache", "kiosk")
    assert set(files.paths) == {"assets/logos/mpp.png", "assets/logos/dukcapil.png"}
    shutil.rmtree(tmp_path / "lobby" / "assets")
    device = use_files(config.model_copy(update={"base_dir": tmp_path / "elsewhere"}), files)
    window = make_kiosk(config_=device)
    assert window.logo_label.isVisible()
    assert window.logo_label.pixmap().width() > 0
    plain = make_kiosk(config_=config.model_copy(update={"base_dir": tmp_path / "elsewhere"}))
    assert not plain.logo_label.isVisible()  # without the cache there is no logo to show: the test can fail
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "kiosk-logo-from-cache.png"))
