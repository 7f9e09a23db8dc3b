"""`mpp-kiosk` (also `python -m kiosk`): one entry point, a sub-command per role or task.

Each sub-command's work lives in its own module, imported only when that
sub-command runs, so `check-config` never loads Qt and `server` never loads
the windows.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from kiosk import i18n

# sub-command -> (module:function, help). The function takes the parsed args and returns an exit code.
COMMANDS = {
    "init": ("kiosk.lobby_init:main", "lay out a new lobby in a folder: config.toml with fresh secrets, assets, data, logs"),
    "run": ("kiosk.ui.lobby:main", "all-in-one: the server, the kiosk, the display and a counter window"),
    "server": ("kiosk.server:main", "the queue server (HTTP API, events, phone page)"),
    "kiosk": ("kiosk.ui.kiosk.window:main", "the touch kiosk that prints tickets"),
    "display": ("kiosk.ui.display.window:main", "the lobby display: calls by voice and sign language"),
    "counter": ("kiosk.ui.counter.window:main", "the staff window of one counter (loket)"),
    "check-config": ("kiosk.cli:check_config", "report every problem of a config file"),
    "hash-pin": ("kiosk.cli:hash_pin_command", "make a PIN hash for config.toml's staff section"),
    "init-secrets": ("kiosk.secrets:main", "replace every device key and staff PIN in config.toml with fresh ones"),
    "make-cert": ("kiosk.tls:make_cert_main", "make a self-signed TLS certificate for the server and print its fingerprint"),
    "preview-ticket": ("kiosk.printer.preview:main", "render a sample ticket to PNG, no printer needed"),
    "report": ("kiosk.reports:main", "visits, waiting times and the SKM/IKM index for a period"),
    "backup": ("kiosk.backup:main", "an online, consistent copy of the database"),
    "archive": ("kiosk.archive:main",
                "move the days before a date to the archive file beside the database; reports still read them"),
    "restore": ("kiosk.restore:main",
                "put a backup back as the database (checked first; a newer database is kept unless --force)"),
    "import-bookings": ("kiosk.booking_cli:import_main",
                        "bookings made elsewhere, from a CSV file, every bad row reported with its line"),
    "enrol": ("kiosk.enrol_cli:enrol_main", "on a new PC: pair it with the queue server and keep its own device key"),
    "devices": ("kiosk.enrol_cli:devices_main",
                "on the server PC: list, approve, rename or revoke enrolled devices (list|approve|refuse|rename|revoke)"),
    "voice-pack": ("kiosk.audio.pack_cli:main",
                   "a recorded voice pack: what the config needs that it lacks (coverage PACK), "
                   "an espeak-ng test pack (render-test-pack DIR --lang id), add PACK FRAGMENT FILE, export, import"),
    "sign-pack": ("kiosk.sign_pack_cli:main", "check, share and fill a sign-language clip pack (coverage|export|import|add)"),
    "studio": ("kiosk.ui.studio.window:main", "record a voice or sign pack, fragment by fragment, from a microphone or camera"),
}


# sub-commands whose arguments their own module adds (module:function, given the parsers by name); loaded only
# for that sub-command, so `server` does not import the voice packs (~10 ms of every start). No Qt in any of them.
MORE_ARGUMENTS = {
    "voice-pack": "kiosk.audio.pack_cli:add_arguments",
    "enrol": "kiosk.enrol_cli:add_arguments",
    "devices": "kiosk.enrol_cli:add_arguments",
    "import-bookings": "kiosk.booking_cli:add_arguments",
    "sign-pack": "kiosk.sign_pack_cli:add_arguments",
}


def _aware_time(text: str):
    """An ISO time with its offset (2026-12-07T02:00+07:00), for --demo-at."""
    from datetime import datetime

    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time such as 2026-12-07T02:00+07:00") from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset: write it as 2026-12-07T02:00+07:00")
    return when


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every sub-command's parser; with ``command``, only that one's MORE_ARGUMENTS are loaded (enough to
    parse its arguments and the top-level help)."""
    parser = argparse.ArgumentParser(prog="mpp-kiosk", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers = {}
    for name, (_target, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", type=Path, default=Path("config.toml"), help="config file (default ./config.toml)")
        parsers[name] = p
    parsers["check-config"].add_argument("path", nargs="?", type=Path, help="config file to check (same as --config)")
    parsers["check-config"].add_argument(
        "--running-against", type=Path, metavar="OLD",
        help="the config the server runs now: say what of the edit applies live and what needs a restart")
    parsers["check-config"].add_argument(
        "--db", type=Path, help="the database whose bookings the config must keep (default server.database)")
    parsers["hash-pin"].add_argument("--pin", help="the PIN (asked for when omitted)")
    # only a --config given on purpose sets the minimum length (server.pin_length) of the new PIN
    parsers["hash-pin"].set_defaults(config=None)
    sec = parsers["init-secrets"]
    sec.add_argument("--sheet", type=Path, help="also write the staff PIN sheet to this file (mode 600)")
    sec.add_argument("--keep-pins", action="store_true", help="replace the device keys only")
    cert = parsers["make-cert"]
    cert.add_argument("--out", type=Path, default=Path("data/tls"), help="folder for server.crt and server.key")
    cert.add_argument("--name", action="append", default=[],
                      help="a host name or IP address the certificate is for (repeat; default the server's host and url)")
    cert.add_argument("--days", type=int, default=825, help="days the certificate is valid")
    for name in ("server", "run"):
        parsers[name].add_argument("--host", help="bind address (default server.host)")
        parsers[name].add_argument("--port", type=int, help="port (default server.port)")
        parsers[name].add_argument("--db", type=Path, help="database file (default server.database)")
    for name in ("kiosk", "display", "counter"):
        parsers[name].add_argument("--server", help="queue server URL (default server.url)")
    parsers["counter"].add_argument("--counter", help="counter id (default counter_app.counter)")
    parsers["display"].add_argument("--profile", help="a [[displays]] profile: show and announce only its zone")
    parsers["run"].add_argument("--journey", action="store_true",
                                help="once up, walk one visitor through the windows and log each step")
    parsers["run"].add_argument("--exit-after", type=float, default=None, help="quit after this many seconds")
    parsers["run"].add_argument("--demo", action="store_true",
                                help="a trial on this PC: 127.0.0.1 only, a scratch database of its own (demo-<name>), "
                                     "and, when the lobby is closed, a demo clock from its next opening; "
                                     "config.toml is not changed")
    parsers["run"].add_argument("--demo-at", type=_aware_time, default=None, help=argparse.SUPPRESS)  # tests: "now" of a demo
    parsers["init"].add_argument("dir", type=Path, help="the new lobby's folder (made if missing; never overwritten)")
    parsers["preview-ticket"].add_argument("--service", help="service id (default the first)")
    parsers["preview-ticket"].add_argument("--out", type=Path, default=Path("ticket.png"))
    parsers["preview-ticket"].add_argument("--lang", choices=i18n.languages(), default=i18n.FALLBACK)
    rep = parsers["report"]
    rep.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    rep.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    rep.add_argument("--agency", help="only this agency")
    rep.add_argument("--format", choices=["csv", "xlsx", "html"], default="html")
    rep.add_argument("--out", type=Path, help="output file or folder")
    rep.add_argument("--db", type=Path, help="database file (default server.database)")
    rep.add_argument("--lang", choices=i18n.languages(), default=i18n.FALLBACK,
                     help="the language of the CSV and XLSX column names (default Indonesian)")
    rep.add_argument("--machine-names", action="store_true",
                     help="CSV and XLSX headers as the machine names of the API (wait_mean_min), for scripts")
    parsers["backup"].add_argument("--out", type=Path, help="backup file (default data/backup-<time>.sqlite)")
    parsers["backup"].add_argument("--db", type=Path, help="database file (default server.database)")
    arc = parsers["archive"]
    arc.add_argument("--before", required=True, help="the first day kept in the database, YYYY-MM-DD")
    arc.add_argument("--db", type=Path, help="database file (default server.database)")
    arc.add_argument("--archive", type=Path, help="archive file (default <database>-archive.sqlite beside it)")
    res = parsers["restore"]
    res.add_argument("backup", type=Path, help="the backup file (from mpp-kiosk backup)")
    res.add_argument("--db", type=Path, help="database file to restore to (default server.database)")
    res.add_argument("--force", action="store_true",
                     help="replace a database newer than the backup (the old one is moved aside, not deleted)")
    parsers["studio"].add_argument("--pack", type=Path, help="the pack folder to fill (made if new)")
    parsers["studio"].add_argument("--kind", choices=["voice", "sign"], default="voice", help="a voice or a sign pack")
    for target in dict.fromkeys(target for name, target in MORE_ARGUMENTS.items() if command in (None, name)):
        load(target)(parsers)
    return parser


def load(target: str):
    """The function a ``module:function`` names, its module imported now."""
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # the sub-command is the first word (the top-level parser has no option but --help); a mistyped one: all of them
    command = next((word for word in argv if not word.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    func = load(COMMANDS[args.command][0])
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130


def load_or_report(path: Path):
    """Load the config, or print every problem and return None."""
    from kiosk.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        from kiosk.config_lines import with_lines

        try:  # the line of each key, for the technician with the file open
            problems = with_lines(Path(path).read_text(encoding="utf-8"), exc.problems)
        except (OSError, UnicodeDecodeError):
            problems = exc.problems
        print(f"{exc.source}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return None


def check_config(args) -> int:
    config = load_or_report(args.path or args.config)
    if config is None:
        return 1
    print(
        f"{args.path or args.config}: OK — {len(config.agencies)} agencies, {len(config.services)} services, "
        f"{len(config.counters)} counters, {len(config.staff)} staff"
    )
    from kiosk.audio.packs import coverage_notes as voice_notes
    from kiosk.config import kiosk_notes, listen_notes, location_notes
    from kiosk.sign_packs import coverage_notes as sign_notes

    from kiosk.printer.backends import printer_notes

    notes = (listen_notes(config) + location_notes(config) + kiosk_notes(config) + printer_notes(config.printer)
             + voice_notes(config) + sign_notes(config))
    for note in notes:
        print(f"  note: {note}")
    from kiosk.bookings import stranded_bookings
    from kiosk.clock import SystemClock

    db_path = getattr(args, "db", None) or config.path(config.server.database)
    stranded = stranded_bookings(config, db_path, SystemClock().now().astimezone(config.lobby.tz).date())
    for line in stranded:
        print(f"  stranded: {line}; move or cancel it before the server runs this config")
    if stranded:
        print(f"{len(stranded)} booking(s) would be stranded by this config", file=sys.stderr)
        return 1
    if getattr(args, "running_against", None) is not None:
        running = load_or_report(args.running_against)
        if running is None:
            return 1
        from kiosk.live_config import plan_reload

        plan = plan_reload(running, config)
        print(f"  live: {', '.join(plan.sections) if plan.sections else 'nothing'} changes in the running server "
              f"when the file is saved (no restart)")
        for key in plan.needs_restart:
            print(f"  restart: {key} changed; the running server keeps the old value until it is restarted")
    return 0


def hash_pin_command(args) -> int:
    import getpass

    from kiosk.pins import hash_pin, is_weak_pin

    min_length = 4
    if args.config is not None:
        config = load_or_report(args.config)
        if config is None:
            return 2
        min_length = config.server.pin_length
    try:
        # `--pin ""` is a wrong PIN, not a request to be asked
        pin = args.pin if args.pin is not None else getpass.getpass(f"PIN ({min_length}-12 digits): ")
    except (EOFError, KeyboardInterrupt):
        print("hash-pin: no PIN given", file=sys.stderr)
        return 2
    if args.config is not None and pin.isdigit() and len(pin) >= min_length and is_weak_pin(pin):
        print("hash-pin: a PIN of one repeated digit or a straight run (123456) is the first one guessed; "
              "choose another", file=sys.stderr)
        return 2
    try:
        print(hash_pin(pin, min_length=min_length))
    except ValueError as exc:
        print(f"hash-pin: {exc}", file=sys.stderr)
        return 2
    return 0
