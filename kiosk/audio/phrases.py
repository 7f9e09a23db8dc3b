"""What the display says when a ticket is called, as text for the speech synthesizer.

Pure functions: the same code, counter, language and config give the same words.
The words are written for the ear (espeak-ng), not for the screen: a ticket's
letters are spelled by their spoken names and its digits read as words.
"""
from __future__ import annotations

import re
import string
from typing import Literal

NumberStyle = Literal["digits", "whole"]

# --------------------------------------------------------------------------- numbers, Indonesian

_ID_ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
# (value, word) from large to small; "se-" forms (seratus, seribu, sejuta) are made below
_ID_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu"))


def _id_below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_ID_ONES[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 10:
        words.append(_ID_ONES[rest])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words += [_ID_ONES[rest - 10], "belas"]
    else:
        tens, ones = divmod(rest, 10)
        words += [_ID_ONES[tens], "puluh"]
        if ones:
            words.append(_ID_ONES[ones])
    return words


def number_words_id(n: int) -> str:
    """A whole number in Indonesian words: 12 -> 'dua belas', 1000 -> 'seribu'."""
    _check_number(n)
    if n == 0:
        return "nol"
    words: list[str] = []
    for value, name in _ID_SCALES:
        count, n = divmod(n, value)
        if count == 0:
            continue
        if count == 1 and value == 1000:
            words.append("seribu")  # "seribu", but "satu juta", "satu miliar"
        else:
            words += _id_below_thousand(count) + [name]
    words += _id_below_thousand(n)
    return " ".join(words)


# --------------------------------------------------------------------------- numbers, English

_EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def _en_below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_EN_ONES[hundreds], "hundred"]
    if rest == 0:
        return words
    if rest < 20:
        words.append(_EN_ONES[rest])
    else:
        tens, ones = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
    return words


def number_words_en(n: int) -> str:
    """A whole number in English words: 21 -> 'twenty-one', 2026 -> 'two thousand twenty-six'."""
    _check_number(n)
    if n == 0:
        return "zero"
    words: list[str] = []
    for value, name in _EN_SCALES:
        count, n = divmod(n, value)
        if count:
            words += _en_below_thousand(count) + [name]
    words += _en_below_thousand(n)
    return " ".join(words)


_LIMIT = 10**15


def _check_number(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number must be an int, got {n!r}")
    if not 0 <= n < _LIMIT:
        raise ValueError(f"number must be from 0 to {_LIMIT - 1}, got {n}")


def number_words(n: int, lang: str) -> str:
    return number_words_en(n) if _lang(lang) == "en" else number_words_id(n)


def digit_words(digits: str, lang: str) -> str:
    """Each digit on its own: '012' -> 'nol satu dua'."""
    return " ".join(number_words(int(d), lang) for d in digits)


# --------------------------------------------------------------------------- letters

LETTER_NAMES_ID = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha",
    "I": "i", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe",
    "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "u", "V": "ve", "W": "we", "X": "eks",
    "Y": "ye", "Z": "zet",
}

# Spelled so that espeak-ng says the letter's name inside a sentence: a lone "a" is
# read as the article (a schwa), "eh" comes out as /eɪ/.
LETTER_NAMES_EN = {
    "A": "eh", "B": "bee", "C": "cee", "D": "dee", "E": "e", "F": "ef", "G": "gee",
    "H": "aitch", "I": "i", "J": "jay", "K": "kay", "L": "el", "M": "em", "N": "en", "O": "o",
    "P": "pee", "Q": "cue", "R": "ar", "S": "ess", "T": "tee", "U": "u", "V": "vee",
    "W": "double-u", "X": "ex", "Y": "wye", "Z": "zed",
}


def letter_name(letter: str, lang: str) -> str:
    """The spoken name of one Latin letter: 'K' -> 'ka' (id), 'kay' (en)."""
    key = letter.upper()
    if len(key) != 1 or key not in string.ascii_uppercase:
        raise ValueError(f"not a letter A-Z: {letter!r}")
    names = LETTER_NAMES_EN if _lang(lang) == "en" else LETTER_NAMES_ID
    return names[key]


# --------------------------------------------------------------------------- codes

_PIECE_RE = re.compile(r"[A-Za-z]|[0-9]+|[-\s]+|.", re.DOTALL)


def _spoken_pieces(text: str, lang: str, number_style: NumberStyle, what: str) -> str:
    if number_style not in ("digits", "whole"):
        raise ValueError(f"number_style must be 'digits' or 'whole', got {number_style!r}")
    words: list[str] = []
    for piece in _PIECE_RE.findall(text.strip()):
        if piece[0] in string.digits:
            if number_style == "digits":
                words.append(digit_words(piece, lang))
            else:
                words.append(number_words(int(piece), lang))
        elif piece in string.ascii_letters:
            words.append(letter_name(piece, lang))
        elif not piece.replace("-", "").strip():
            continue  # separators are not spoken
        else:
            raise ValueError(f"{what} {text!r}: cannot speak {piece!r} (only letters A-Z, digits and '-')")
    if not words:
        raise ValueError(f"{what} {text!r} has nothing to speak")
    return " ".join(words)


def spoken_code(code: str, lang: str, number_style: NumberStyle = "digits") -> str:
    """A ticket code as words: 'A-012' -> 'a nol satu dua' (digits) or 'a dua belas' (whole)."""
    return _spoken_pieces(code, lang, number_style, "ticket code")


def spoken_counter(counter_number: str, lang: str) -> str:
    """A counter number, always read as a whole number: '12' -> 'dua belas', '7A' -> 'tujuh a'."""
    return _spoken_pieces(str(counter_number), lang, "whole", "counter number")


# --------------------------------------------------------------------------- announcements

_PLACEHOLDERS = {"code", "counter"}


def template_problems(template: str) -> list[str]:
    """What is wrong with an announcement template ([] when it is usable)."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        return [f"not a valid template ({exc}); write placeholders as {{code}} and {{counter}}"]
    problems = [f"unknown placeholder {{{name}}}; use {{code}} and {{counter}}"
                for name in sorted(fields - _PLACEHOLDERS)]
    if "code" not in fields:
        problems.append("has no {code}: the ticket number would not be spoken")
    return problems


def apply_say(text: str, say: dict[str, str] | None) -> str:
    """The pronunciation table ([audio.say]) applied to written words: 'Loket BPJS' -> 'Loket be pe je es'.

    Whole words only, case-insensitive, the longest entry first ("BPJS TK" before "BPJS");
    the replacement is not looked up again.
    """
    return "".join(part for part, _ in said_parts(text, say))


def said_parts(text: str, say: dict[str, str] | None) -> list[tuple[str, bool]]:
    """`text` cut into (piece, from the table?) in order, each table entry replaced by how it is said."""
    if not say:
        return [(text, False)]
    keys = sorted(say, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE)
    by_lower = {k.lower(): v for k, v in say.items()}
    parts: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        parts += [(text[last:match.start()], False), (by_lower[match.group(0).lower()], True)]
        last = match.end()
    return parts + [(text[last:], False)]


def template_parts(template: str) -> list[tuple[str, str | None]]:
    """(literal text, placeholder name or None) in order: the template as the ear hears it."""
    return [(literal, name) for literal, name, _, _ in string.Formatter().parse(template)]


def announcement_text(code: str, counter_number: str, lang: str, template: str,
                      counter_word: str, number_style: NumberStyle = "digits",
                      say: dict[str, str] | None = None) -> str:
    """One call in one language, e.g. 'Nomor antrean a nol satu dua, silakan menuju loket tujuh'.

    `say` (the pronunciation table) rewrites the template's own words and the counter word;
    codes and counter numbers are already spelled for the ear.
    """
    problems = template_problems(template)
    if problems:
        raise ValueError(f"announcement template {template!r}: " + "; ".join(problems))
    counter = f"{apply_say(counter_word, say)} {spoken_counter(counter_number, lang)}".strip()
    spoken = {"code": spoken_code(code, lang, number_style), "counter": counter}
    return "".join(apply_say(literal, say) + (spoken[name] if name else "")
                   for literal, name in template_parts(template))


def announcement_texts(config_audio, code: str, counter_number: str) -> list[tuple[str, str]]:
    """(lang, text) for each language of config.audio.languages, in that order."""
    return [
        (lang, announcement_text(code, counter_number, lang, config_audio.templates.get(lang),
                                 config_audio.counter_word.get(lang), config_audio.number_style,
                                 getattr(config_audio, "say", None)))
        for lang in config_audio.languages
    ]


def _lang(lang: str) -> str:
    if lang not in ("id", "en"):
        raise ValueError(f"language must be 'id' or 'en', got {lang!r}")
    return lang
