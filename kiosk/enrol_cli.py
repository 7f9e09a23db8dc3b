"""`mpp-kiosk enrol` (on a new PC) and `mpp-kiosk devices` (on the server PC).

``enrol`` asks the server for a pairing request, shows the code large and as a QR code, polls until a
person approves it at the server, and writes this PC's own key to its device file (kiosk.device_file).

``devices`` works on the queue database directly, as ``report`` and ``backup`` do: it runs on the server
PC, from the folder of its config.toml, without a manager key, and the approval it writes is what the
new PC's next poll finds. A running server hears of a rename or revocation through the event log it
already follows (within its poll of the database, 1 s). From another PC the manager API does the same
(GET/POST /api/v1/devices…, the manager key).
"""
from __future__ import annotations

import os
import ssl
import sys
import time
from datetime import datetime
from pathlib import Path

# 5 x 5 glyphs of the pairing code's alphabet: the code must be readable across a room
_FONT = {
    "2": ["####.", "....#", ".###.", "#....", "#####"], "3": ["####.", "....#", ".###.", "....#", "####."],
    "4": ["#...#", "#...#", "#####", "....#", "....#"], "5": ["#####", "#....", "####.", "....#", "####."],
    "6": [".###.", "#....", "####.", "#...#", ".###."], "7": ["#####", "...#.", "..#..", ".#...", ".#..."],
    "8": [".###.", "#...#", ".###.", "#...#", ".###."], "9": [".###.", "#...#", ".####", "....#", ".###."],
    "A": [".###.", "#...#", "#####", "#...#", "#...#"], "B": ["####.", "#...#", "####.", "#...#", "####."],
    "C": [".####", "#....", "#....", "#....", ".####"], "D": ["####.", "#...#", "#...#", "#...#", "####."],
    "E": ["#####", "#....", "####.", "#....", "#####"], "F": ["#####", "#....", "####.", "#....", "#...."],
    "G": [".####", "#....", "#..##", "#...#", ".###."], "H": ["#...#", "#...#", "#####", "#...#", "#...#"],
    "J": ["..###", "...#.", "...#.", "#..#.", ".##.."], "K": ["#...#", "#..#.", "###..", "#..#.", "#...#"],
    "M": ["#...#", "##.##", "#.#.#", "#...#", "#...#"], "N": ["#...#", "##..#", "#.#.#", "#..##", "#...#"],
    "P": ["####.", "#...#", "####.", "#....", "#...."], "Q": [".###.", "#...#", "#.#.#", "#..#.", ".##.#"],
    "R": ["####.", "#...#", "####.", "#..#.", "#...#"], "S": [".####", "#....", ".###.", "....#", "####."],
    "T": ["#####", "..#..", "..#..", "..#..", "..#.."], "W": ["#...#", "#...#", "#.#.#", "##.##", "#...#"],
    "X": ["#...#", ".#.#.", "..#..", ".#.#.", "#...#"], "Y": ["#...#", ".#.#.", "..#..", "..#..", "..#.."],
    "Z": ["#####", "...#.", "..#..", ".#...", "#####"], "-": [".....", ".....", ".###.", ".....", "....."],
}


def big_text(text: str, columns: int | None = None) -> str:
    """The text in 5-line block letters: double width where the terminal has room (110 columns)."""
    import shutil

    columns = columns or shutil.get_terminal_size((80, 24)).columns
    pixel = 2 if columns >= 12 * len(text) else 1
    rows = []
    for row in range(5):
        glyphs = [_FONT.get(ch, ["....."] * 5)[row] for ch in text]
        rows.append("  ".join(g.replace("#", "█" * pixel).replace(".", " " * pixel) for g in glyphs).rstrip())
    return "\n".join(rows)


def qr_text(data: str) -> str:
    import io

    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(data)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _certificate_fingerprint(url: str) -> str | None:
    """The fingerprint of the certificate an https:// server shows (not trusted: for a person to compare)."""
    from urllib.parse import urlsplit

    from kiosk.tls import fingerprint

    parts = urlsplit(url)
    try:
        pem = ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=5)
    except (OSError, ssl.SSLError):
        return None
    return fingerprint(pem)


def _answer_sentence(response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = {}
    message = data.get("message") if isinstance(data, dict) else None
    return message or f"the server answered HTTP {response.status_code}"


def enrol_main(args, *, sleep=time.sleep, now=lambda: datetime.now().astimezone()) -> int:
    """`mpp-kiosk enrol --server URL [--name HINT] [--fingerprint FP] [--replace]`."""
    import httpx

    from kiosk.device_file import DeviceCredential, device_file_path, load_device_credential, write_device_file
    from kiosk.device_file import DeviceFileError
    from kiosk.tls import PinnedContext, normal_fingerprint

    url = (args.server or "").rstrip("/")
    if not url.lower().startswith(("http://", "https://")):
        _say(f"enrol: --server must be the queue server's address, e.g. https://192.168.10.2:8600 (got {url!r})")
        return 2
    path = device_file_path()
    try:
        existing = load_device_credential(path=path)
    except DeviceFileError:
        existing = None
    if path.exists() and not args.replace:
        what = f" ({existing.name}, {existing.role}, for {existing.server_url})" if existing else ""
        _say(f"enrol: this PC already has a device file{what}: {path}. Run again with --replace to enrol anew "
             f"(then revoke the old name at the server: mpp-kiosk devices revoke NAME).")
        return 2
    fingerprint = ""
    verify: object = True
    if url.lower().startswith("https://"):
        if not args.fingerprint:
            seen = _certificate_fingerprint(url)
            shown = f" The server at {url} shows the certificate {seen}." if seen else ""
            _say(f"enrol: an https:// server needs --fingerprint (make-cert printed it on the server PC; it is "
                 f"server.tls_fingerprint in its config.toml).{shown} Compare the two, then run again with "
                 f"--fingerprint.")
            return 2
        fingerprint = normal_fingerprint(args.fingerprint)
        if len(fingerprint) != 95:  # 32 bytes as AA:BB:…
            _say(f"enrol: --fingerprint must be the 64 hex digits of a SHA-256 (colons allowed), "
                 f"got {args.fingerprint!r}")
            return 2
        verify = PinnedContext(fingerprint)
    with httpx.Client(base_url=url, timeout=10.0, verify=verify) as http:
        try:
            response = http.post("/api/v1/enrol", json={"name_hint": (args.name or "")[:40]},
                                 headers={"Accept-Language": "en"})
        except httpx.HTTPError as exc:
            _say(f"enrol: the queue server at {url} cannot be reached ({exc or type(exc).__name__}).")
            return 1
        if response.status_code != 201:
            _say(f"enrol: refused: {_answer_sentence(response)}")
            return 1
        pairing = response.json()
        code = pairing["code"]
        print(f"\nPairing code for {url} (valid {pairing['expires_in_s'] // 60} minutes, once):\n", flush=True)
        print(big_text(code), flush=True)
        print(f"\n    {code}\n", flush=True)
        print(qr_text(code), flush=True)
        print(f"On the server PC run:  mpp-kiosk devices approve {code} --role kiosk --name kiosk-2\n"
              f"(with this PC's role and name). Waiting for approval... (Ctrl+C to stop)", flush=True)
        poll_path = pairing["poll_path"]
        interval = max(0.1, float(getattr(args, "poll_seconds", 2.0) or 2.0))
        while True:
            sleep(interval)
            try:
                answer = http.get(poll_path, headers={"Accept-Language": "en"})
            except httpx.HTTPError:
                continue  # a dropped network: the request is still waiting at the server
            if answer.status_code == 202:
                continue
            if answer.status_code == 429:
                sleep(2.0)
                continue
            if answer.status_code != 200:
                _say(f"enrol: {_answer_sentence(answer)}")
                return 1
            granted = answer.json()
            break
    credential = DeviceCredential(url, granted["name"], granted["role"], granted["key"], fingerprint)
    written = write_device_file(credential, path, enrolled_at=now().isoformat(timespec="seconds"))
    window = {"counter-app": "counter", "manager": "report"}.get(granted["role"], granted["role"])
    print(f"\nEnrolled as {granted['name']} ({granted['role']}). This PC's key is in {written} (mode 600, "
          f"only {os.environ.get('USER') or 'this user'} can read it).\nStart the window: mpp-kiosk {window}",
          flush=True)
    return 0


# --------------------------------------------------------------------------- devices (server PC)

def _when(value: str | None, tz) -> str:
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def devices_main(args) -> int:
    """`mpp-kiosk devices list | approve CODE --role R --name N | refuse CODE | rename OLD NEW | revoke NAME`."""
    from kiosk.cli import load_or_report
    from kiosk.enrolment import DeviceRegistry, EnrolmentError
    from kiosk.store import Store

    config = load_or_report(args.config)
    if config is None:
        return 2
    db = args.db or config.path(config.server.database)
    if not Path(db).exists():
        _say(f"devices: no queue database at {db} (start the server once, or give --db)")
        return 2
    store = Store(db)
    registry = DeviceRegistry(store)
    config_names = {d.name: d.role for d in config.server.devices}
    action = args.devices_action
    try:
        if action == "list":
            tz = config.lobby.tz
            rows = [(d.name, d.role, "enrolled", _when(d.enrolled_at, tz), _when(d.last_seen, tz),
                     _when(d.revoked_at, tz)) for d in registry.devices()]
            rows += [(name, role, "config.toml", "-", "-", "-") for name, role in config_names.items()]
            header = ("NAME", "ROLE", "FROM", "ENROLLED", "LAST SEEN", "REVOKED")
            widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
            for row in [header, *rows]:
                print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
            pending = registry.pending()
            if pending:
                print(f"\nWaiting for approval ({len(pending)}):")
                for p in pending:
                    print(f"  {p['code']}  from {p['address']}  calls itself {p['name_hint']!r}  "
                          f"until {_when(p['expires_at'], tz)}")
            print("\n(last seen is written at most once a minute per device)")
        elif action == "approve":
            answer = registry.approve(args.code, args.role, args.name, reserved=set(config_names))
            print(f"Approved {answer['code']} (asked from {answer['address']}, calls itself {answer['name_hint']!r}) "
                  f"as {answer['name']} ({answer['role']}). The PC receives its key at its next poll.")
        elif action == "refuse":
            answer = registry.refuse(args.code)
            print(f"Refused {answer['code']}: that PC is told so at its next poll.")
        elif action == "rename":
            device = registry.rename(args.old, args.new, reserved=set(config_names))
            print(f"Renamed {args.old} to {device.name} ({device.role}).")
        elif action == "revoke":
            if args.name in config_names:
                _say(f"devices: {args.name} is in {args.config} ([[server.devices]]): remove it there (or run "
                     f"mpp-kiosk init-secrets for a new key) and restart the server.")
                return 2
            device = registry.revoke(args.name)
            print(f"Revoked {device.name} ({device.role}): the server refuses its key from now on; a running "
                  f"server closes its connections within about a second.")
    except EnrolmentError as exc:
        _say(f"devices {action}: {exc.message('en')}")
        return 1
    finally:
        store.close()
    return 0


def add_arguments(parsers: dict) -> None:
    """The sub-commands' arguments (kiosk.cli builds the parsers)."""
    import argparse

    enrol = parsers["enrol"]
    enrol.add_argument("--server", required=True, help="the queue server, e.g. https://192.168.10.2:8600")
    enrol.add_argument("--name", help="what this PC calls itself (shown to the person approving)")
    enrol.add_argument("--fingerprint", help="the server certificate's SHA-256 fingerprint (https:// only)")
    enrol.add_argument("--replace", action="store_true", help="replace this PC's existing device file")
    enrol.add_argument("--poll-seconds", type=float, default=2.0, help=argparse.SUPPRESS)
    devices = parsers["devices"]
    devices.add_argument("--db", type=Path, help="database file (default server.database)")
    sub = devices.add_subparsers(dest="devices_action", metavar="ACTION", required=True)
    common = {"default": argparse.SUPPRESS}  # --config/--db also after the action, without resetting them
    for name, help_text in (("list", "enrolled and config devices, and pairing requests waiting"),
                            ("approve", "approve a pairing code shown on a new PC"),
                            ("refuse", "refuse a pairing code"),
                            ("rename", "rename an enrolled device"),
                            ("revoke", "revoke an enrolled device: its key stops working at once")):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", type=Path, help="config file (default ./config.toml)", **common)
        p.add_argument("--db", type=Path, help="database file (default server.database)", **common)
        if name in ("approve", "refuse"):
            p.add_argument("code", help="the code, e.g. K7QM-3XPA")
        if name == "approve":
            p.add_argument("--role", required=True, help="kiosk, display, counter-app (or counter) or manager")
            p.add_argument("--name", required=True, help="the device's name, e.g. kiosk-2")
        if name == "rename":
            p.add_argument("old")
            p.add_argument("new")
        if name == "revoke":
            p.add_argument("name")
