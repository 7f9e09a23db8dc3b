"""An error that lists every problem of one file or folder at once (packs, clips): one sentence each."""
from __future__ import annotations

from pathlib import Path


class ProblemsError(ValueError):
    """``problems`` holds every reason at once; the message is the path then the problems."""

    prefix = ""     # e.g. "voice pack "
    joiner = "; "

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{self.prefix}{path}: " + self.joiner.join(problems))
