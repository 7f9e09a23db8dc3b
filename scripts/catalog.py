#!/usr/bin/env python3
"""The translators' tool for kiosk/locale/ (see docs/translating.md), on Babel.

    python scripts/catalog.py extract [--pot PATH]   # the template: every message id, Indonesian as the source
    python scripts/catalog.py update                 # bring every <lang>.po up to the template
    python scripts/catalog.py init LANG              # start a new language (then: update, translate, compile)
    python scripts/catalog.py compile [--out DIR]    # check every .po compiles; write the .mo files to DIR

Message ids are dotted keys ("kiosk.take_number"). The Indonesian catalog is the reference: a message
is added there first (the code's t("...") calls with a literal id are checked against it by extract).
The program compiles the .po files itself on first use (kiosk/i18n.py), so compile is only a check.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk import i18n  # noqa: E402

LOCALE = ROOT / "kiosk" / "locale"
SOURCE_LANG = i18n.FALLBACK


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=0, sort_output=True, ignore_obsolete=False)


def template() -> Catalog:
    """Every message id of the Indonesian catalog, its text as the translator's hint."""
    source = read(po_path(SOURCE_LANG))
    pot = Catalog(domain=i18n.DOMAIN, project="mpp-kiosk", charset="utf-8")
    for message in source:
        if message.id:
            pot.add(message.id, "", auto_comments=[f"id: {message.string}", *message.auto_comments])
    return pot


# t("kiosk.home", ...) and t("a.b" if x else "a.c", ...): every literal dotted id in a t( call
T_CALL = re.compile(r"""\bt\(\s*(["'])([a-z]+\.[\w.]+)\1(?:\s+if\b[^,]*?\belse\s+(["'])([a-z]+\.[\w.]+)\3)?""")


def literal_ids_in_code() -> set[str]:
    """The ids of t("...") calls with a literal id (composed ids, t(f"counter.{key}"), are not seen)."""
    found = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        for _q, first, _q2, second in T_CALL.findall(path.read_text(encoding="utf-8")):
            found |= {first, second} - {""}
    return found


def extract(args) -> int:
    pot = template()
    missing = sorted(literal_ids_in_code() - {m.id for m in pot if m.id})
    write(Path(args.pot), pot)
    print(f"{args.pot}: {len([m for m in pot if m.id])} messages")
    for msgid in missing:
        print(f"  in the code but not in {SOURCE_LANG}: {msgid}")
    return 1 if missing else 0


def update(_args) -> int:
    pot = template()
    for lang in i18n.languages():
        if lang == SOURCE_LANG:
            continue
        catalog = read(po_path(lang))
        created = catalog.creation_date
        catalog.update(pot, no_fuzzy_matching=True)  # a new id starts empty: shown in Indonesian until translated
        catalog.creation_date = created  # no date-only change in git
        write(po_path(lang), catalog)
        untranslated = sum(1 for m in catalog if m.id and not m.string)
        print(f"{lang}: {untranslated} to translate, {len(catalog.obsolete)} obsolete")
    return 0


def init(args) -> int:
    path = po_path(args.lang)
    if path.exists():
        print(f"{path} exists: use update")
        return 1
    catalog = Catalog(locale=None, domain=i18n.DOMAIN, project="mpp-kiosk", charset="utf-8")
    catalog.language = args.lang  # any code, also one Babel's locale data does not know
    catalog.update(template(), no_fuzzy_matching=True)
    write(path, catalog)
    print(f"{path}: started")
    return 0


def compile_all(args) -> int:
    status = 0
    for lang in i18n.languages():
        catalog = read(po_path(lang))
        errors = list(catalog.check())
        for message, problems in errors:
            print(f"{lang} {message.id}: {'; '.join(map(str, problems))}")
        status |= bool(errors)
        if args.out:
            out = Path(args.out) / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("wb") as mo:
                write_mo(mo, catalog)
        translated = sum(1 for m in catalog if m.id and m.string)
        print(f"{lang}: {translated} messages compile")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("extract")
    p.add_argument("--pot", default=str(ROOT / "build" / f"{i18n.DOMAIN}.pot"))
    p.set_defaults(run=extract)
    commands.add_parser("update").set_defaults(run=update)
    p = commands.add_parser("init")
    p.add_argument("lang")
    p.set_defaults(run=init)
    p = commands.add_parser("compile")
    p.add_argument("--out")
    p.set_defaults(run=compile_all)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
