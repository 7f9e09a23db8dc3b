"""Issue 13: every error sentence a visitor or the staff reads is in the catalog, none inline in kiosk/.

An AST walk over kiosk/ finds each construction of an error the server or a window words for someone
(ApiProblem, kiosk.errors.QueueError and every subclass of it in kiosk/) and fails on one given a
sentence as a string literal or f-string; such errors take ``msgid=`` and ``fields=`` instead. Each
``msgid=`` that is a plain string must be in the catalog.
"""
from __future__ import annotations

import ast
from pathlib import Path

from kiosk import i18n

ROOT = Path(__file__).resolve().parents[2]
SENTENCE_KEYWORDS = {"message_id", "message_en"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_sentence(node: ast.expr) -> bool:
    """A string literal with a space in it, or an f-string: words, not a code like 'invalid_role'."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value.strip()
    if isinstance(node, ast.BinOp):  # "…" + "…"
        return _is_sentence(node.left) or _is_sentence(node.right)
    return False


def _trees(root: Path) -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(root.rglob("*.py"))}


def worded_error_classes(trees) -> set[str]:
    """ApiProblem, QueueError and each class in kiosk/ that derives from one of them (by name, to a fixpoint)."""
    known = {"ApiProblem", "QueueError"}
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(n for n in map(_name, node.bases) if n)
    grew = True
    while grew:
        grew = False
        for cls, parents in bases.items():
            if cls not in known and parents & known:
                known.add(cls)
                grew = True
    return known


def inline_sentences(trees, classes) -> list[str]:
    found = []
    for path, tree in trees.items():
        # a module's own class of the same name that is no worded error (printer/preview.py's UnknownService,
        # a ValueError for the technician's command line) is not one of these
        own = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
               and not {b for b in map(_name, n.bases) if b} & classes} - {"ApiProblem", "QueueError"}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in classes - own:
                continue
            if any(_is_sentence(a) for a in node.args) or any(
                    k.arg in SENTENCE_KEYWORDS and _is_sentence(k.value) for k in node.keywords):
                found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno}"
                             f" {_name(node.func)}")
    return found


def test_no_error_in_kiosk_is_given_an_inline_sentence():
    trees = _trees(ROOT / "kiosk")
    classes = worded_error_classes(trees)
    # the walk sees the error families (a broken walk would pass vacuously)
    assert {"ApiProblem", "QueueError", "VoidRefused", "SurveyRefused", "EnrolmentError"} <= classes
    assert inline_sentences(trees, classes) == []


def test_every_error_msgid_is_in_the_catalog():
    known = set(i18n.messages("id"))
    named = []
    for tree in _trees(ROOT / "kiosk").values():
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "msgid" and isinstance(node.value, ast.Constant):
                named.append(node.value.value)
    assert len(named) > 20
    assert [m for m in named if m not in known] == []


def test_the_walk_finds_a_planted_inline_sentence(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from kiosk import errors\n"
        "from kiosk.server.errors import ApiProblem\n"
        "class Mine(errors.VoidRefused):\n    pass\n"
        "def f(n):\n"
        "    raise errors.VoidRefused(f'Paling banyak {n} nomor sekali batal.', f'At most {n} tickets in one void.')\n"
        "def g():\n"
        "    raise ApiProblem('forbidden', message_id='Hanya supervisor.', message_en='Only a supervisor.')\n"
        "def h():\n"
        "    raise Mine('Kata kata.', 'Some words.')\n"
        "def fine(n):\n"
        "    raise errors.VoidRefused(msgid='error.void_too_many', fields={'max': n})\n"
        "def also_fine():\n"
        "    raise ApiProblem('forbidden')\n",
        encoding="utf-8")
    trees = {**_trees(ROOT / "kiosk"), **_trees(tmp_path)}
    found = [f for f in inline_sentences(trees, worded_error_classes(trees)) if f.startswith("planted.py")]
    assert found == ["planted.py:6 VoidRefused", "planted.py:8 ApiProblem", "planted.py:10 Mine"]


def test_an_error_is_worded_in_the_language_it_is_shown_in(tmp_path, monkeypatch):
    """The words come from the catalog when the answer is made: Indonesian, English, and a third language
    (the pseudo-language) none of the old inline pairs could have said."""
    from kiosk import errors
    from kiosk.server.errors import ApiProblem
    from support.pseudo import pseudo, pseudo_language

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    refused = errors.VoidRefused(msgid="error.void_too_many", fields={"max": 50})
    assert refused.message("id") == "Paling banyak 50 nomor sekali batal."
    assert refused.message("en") == "At most 50 tickets in one void."
    assert refused.to_dict("en") == {"error": "void_refused", "message": "At most 50 tickets in one void."}
    problem = ApiProblem("counter_busy", msgid="error.counter_busy.by", fields={"counter": "3", "name": "Sari"})
    assert problem.message("en") == "Counter 3 is in use by Sari; ask them to log out first or call a supervisor."
    with pseudo_language(tmp_path / "locale") as xx:
        assert refused.message(xx) == pseudo("Paling banyak 50 nomor sekali batal.")
        assert problem.message(xx) == pseudo(
            "Loket 3 sedang dipakai oleh Sari; minta dia keluar dulu atau panggil supervisor.")
    i18n.reload()
