"""Where in config.toml a problem's key path is: its line, for check-config.

A problem reads ``services[85].prefix: must be 1-3 capital letters``; a technician with the file
open needs the line. tomllib keeps no positions, so the file is read once more, line by line: table
headers (``[server.limits]``, ``[[services]]``, counted per array) and ``key = value`` lines give
each key path its first line. A path the file does not spell (a default, a missing key) takes the
line of its nearest spelled parent (the table the key belongs in).
"""
from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _dotted(text: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", text)
    return [a or b or c for a, b, c in parts]


def key_lines(text: str) -> dict[tuple, int]:
    """Every key path the file spells (tables, array items, keys) -> its first line (1-based)."""
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    in_string = None  # the quote of a multi-line string being read
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header:
            parts = _dotted(header.group(2))
            # an array item of a sub-table belongs to the latest item of its parent arrays
            resolved: tuple = ()
            for part in parts[:-1]:
                resolved += (part,)
                if resolved in counts:
                    resolved += (counts[resolved],)
            resolved += (parts[-1],)
            if header.group(1) == "[[":
                counts[resolved] = counts.get(resolved, -1) + 1
                lines.setdefault(resolved, number)
                resolved += (counts[resolved],)
            table = resolved
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            path = table + tuple(_dotted(key.group(1)))
            lines.setdefault(path, number)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
    return lines


def parse_path(path: str) -> tuple:
    """'services[12].name.id' -> ('services', 12, 'name', 'id')."""
    return tuple(int(index) if index else name for name, index in _PATH_PART.findall(path))


def line_of(lines: dict[tuple, int], path: str) -> int | None:
    """The line of ``path``, or of its nearest parent the file spells; None when none is."""
    parts = parse_path(path)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None


def with_lines(text: str, problems: list[str]) -> list[str]:
    """Each 'key.path: message' as 'line N: key.path: message' where the file has the key (or its table)."""
    lines = key_lines(text)
    out = []
    for problem in problems:
        path, sep, _ = problem.partition(": ")
        number = line_of(lines, path) if sep and " " not in path else None
        out.append(f"line {number}: {problem}" if number else problem)
    return out
