#!/usr/bin/env bash
# Sets up everything mpp-kiosk needs on a fresh Debian/Ubuntu machine, then runs
# what was asked:   scripts/setup.sh run   (the all-in-one lobby on ./config.toml)
#                   scripts/setup.sh test  (the whole test suite)
# Idempotent: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3 python3-venv python3-pip
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core libpulse0 espeak-ng
  xvfb xauth ffmpeg chromium libusb-1.0-0)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  $PY -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*; touch "$stamp"
fi
# the editable install leaves kiosk/ as source: its bytecode compiled once here, so no start of the server or a
# window compiles ~70 modules again (0.07 s of every server start; where PYTHONDONTWRITEBYTECODE is set, every
# start). A stale file after an edit is ignored by Python and compiled in memory, so this is never wrong.
.venv/bin/python -m compileall -q kiosk >/dev/null || true

case "${1:-}" in
  run)
    shift
    # --demo: on 127.0.0.1 only, tickets in a scratch data/demo-mpp.sqlite, and when the lobby is closed
    # (night, Sunday, holiday, a break) on a demo clock from its next opening, said in one line; the lobby
    # itself runs as `.venv/bin/mpp-kiosk run` (or its systemd unit).
    echo "setup: the lobby runs as a demo on this PC (windows marked DEMO, a scratch database)."
    extra=(--demo)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      echo "setup: no screen found: it runs offscreen and walks one visitor through it (see the log)."
      echo "setup: set DISPLAY to see the windows; Ctrl+C stops the lobby."
      export QT_QPA_PLATFORM=offscreen
      extra+=(--journey)
    fi
    exec .venv/bin/mpp-kiosk run --config config.toml "${extra[@]}" "$@" ;;
  test)
    shift
    set +e
    .venv/bin/python -m pytest "$@"
    rc=$?
    # pytest's 5 means no test ran: that is a failure, never a pass.
    [ $rc -eq 5 ] && echo "setup: no tests were collected" >&2
    exit $rc ;;
  "") echo "setup: done" ;;
  *) echo "usage: scripts/setup.sh [run|test] [args…]" >&2; exit 2 ;;
esac
