"""Install like a product: the wheel, a fresh venv, `mpp-kiosk init`, `check-config`, `run --demo --journey`.

The wheel is built from this checkout and installed into a new venv with nothing of the checkout on its
path: the venv borrows only the dependencies (PySide6 and the rest) from this project's .venv through a
.pth line, so the install takes seconds, not a PySide6 download. Every command runs in a temporary folder
outside the repository, as a new user's would.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from support.server import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "kiosk/lobby_template"


def sh(*args, cwd: Path, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """(the wheel, the fresh venv's bin folder, a clean environment, a working folder outside the repo)."""
    work = tmp_path_factory.mktemp("product")
    assert ROOT not in work.parents
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not key.startswith("PYTEST")}
    env.update(HOME=str(work / "home"), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    (work / "home").mkdir()

    # build isolation fetches setuptools from the package index (or pip's cache); --no-deps: nothing else
    built = sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT, cwd=work, env=env,
               timeout=120)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("mpp_kiosk-*.whl")

    fresh = work / "fresh"
    made = sh(sys.executable, "-m", "venv", "--without-pip", fresh, cwd=work, env=env)
    assert made.returncode == 0, made.stderr
    site = Path(sysconfig.get_path("purelib", vars={"base": str(fresh), "platbase": str(fresh)}))
    # a plain path line: the dependencies only; the .pth files there (this checkout's editable install) are not run
    (site / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = sh(sys.executable, "-m", "pip", "--python", fresh / "bin" / "python", "install", "-q",
                   "--no-deps", "--no-index", wheel, cwd=work, env=env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return wheel, fresh / "bin", env, work


def test_the_wheel_carries_a_whole_lobby_template(product):
    wheel, _bin, _env, _work = product
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    clips_dir = shipped["sign"]["clips_dir"]
    stand_ins = tomllib.loads((ROOT / clips_dir / "pack.toml").read_text(encoding="utf-8"))
    needed = {"config.toml", shipped["audio"]["chime"], "assets/sign/mapping.toml", f"{clips_dir}/pack.toml",
              f"{clips_dir}/{shipped['sign']['info_clip']}",
              *(f"{clips_dir}/{clip}" for clip in stand_ins["clips"].values())}
    assert {f"{TEMPLATE}/{path}" for path in needed} <= names, sorted({f"{TEMPLATE}/{p}" for p in needed} - names)
    # the real bytes, not symlinks: every file of the checkout's assets/ and config.toml, byte for byte
    with zipfile.ZipFile(wheel) as archive:
        for path in [*(ROOT / "assets").rglob("*"), ROOT / "config.toml"]:
            if path.is_file():
                assert archive.read(f"{TEMPLATE}/{path.relative_to(ROOT)}") == path.read_bytes(), path
    assert {"kiosk/server/static/phone.js", "kiosk/server/templates/phone.html"} <= names
    # every text catalog of the checkout (compiled to .mo on first use, see kiosk/i18n.py)
    catalogs = {str(po.relative_to(ROOT)) for po in (ROOT / "kiosk" / "locale").glob("*/LC_MESSAGES/mpp_kiosk.po")}
    assert {"kiosk/locale/id/LC_MESSAGES/mpp_kiosk.po", "kiosk/locale/en/LC_MESSAGES/mpp_kiosk.po"} <= catalogs <= names


def test_init_check_config_and_run_demo_journey_from_the_installed_wheel(product):
    _wheel, bin_dir, env, work = product
    # the command is the wheel's: kiosk comes from the fresh venv, not from the checkout
    where = sh(bin_dir / "python", "-c", "import kiosk, sys; print(kiosk.__file__); print(sys.path)", cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(work / "fresh")) and f"'{ROOT}'" not in where.stdout, where.stdout

    init = sh(bin_dir / "mpp-kiosk", "init", "lobby", cwd=work, env=env)
    assert init.returncode == 0, init.stderr
    assert "PIN sheet" in init.stdout and "kiosk exit PIN:" in init.stdout and "mpp-kiosk run --demo" in init.stdout
    lobby = work / "lobby"
    assert (lobby / "assets" / "sounds" / "chime.wav").is_file() and (lobby / "data").is_dir()

    check = sh(bin_dir / "mpp-kiosk", "check-config", cwd=lobby, env=env)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("config.toml: OK — 27 agencies, 85 services"), check.stdout

    port = free_port()
    output_path = work / "run-output.log"
    with open(output_path, "wb") as output:
        run = subprocess.Popen([str(bin_dir / "mpp-kiosk"), "run", "--demo", "--journey", "--port", str(port),
                                "--exit-after", "60"], cwd=lobby, env=env, stdout=output, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None:
            if re.search(r"journey (done|stopped|done with a fault)", output_path.read_text(errors="replace")):
                break
            time.sleep(0.2)
        run.send_signal(signal.SIGINT)
        code = run.wait(timeout=10)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(5)
    log = output_path.read_text(errors="replace")
    assert code == 0, log[-4000:]
    assert f"on 127.0.0.1 only, scratch database {lobby / 'data' / 'demo-mpp.sqlite'}" in log
    assert f"queue server on http://127.0.0.1:{port}" in log
    done = re.search(r"journey done: (\S+) issued, printed, called, shown and finished", log)
    assert done, log[-4000:]
    code_ = done.group(1)
    # the chime and the sign clips came from the new lobby's own assets
    assert "journey: display played chime.wav → id-" in log, log[-4000:]
    assert re.search(rf"journey: display signed nomor antrean → {code_[0]} → .* → loket → 1", log), log[-4000:]
    assert (lobby / "data" / "demo-mpp.sqlite").is_file() and not (lobby / "data" / "mpp.sqlite").exists()
    assert "Traceback" not in log
