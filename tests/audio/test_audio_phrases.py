"""Number words, letter names, spoken codes and announcement texts (pure, no engine)."""
import string

import pytest

from kiosk.audio.phrases import (
    LETTER_NAMES_EN,
    announcement_text,
    announcement_texts,
    letter_name,
    number_words_en,
    number_words_id,
    spoken_code,
    spoken_counter,
    template_problems,
)
from kiosk.config import AudioSettings, Text

NUMBERS = [
    (0, "nol", "zero"),
    (1, "satu", "one"),
    (10, "sepuluh", "ten"),
    (11, "sebelas", "eleven"),
    (12, "dua belas", "twelve"),
    (19, "sembilan belas", "nineteen"),
    (20, "dua puluh", "twenty"),
    (21, "dua puluh satu", "twenty-one"),
    (100, "seratus", "one hundred"),
    (101, "seratus satu", "one hundred one"),
    (110, "seratus sepuluh", "one hundred ten"),
    (111, "seratus sebelas", "one hundred eleven"),
    (999, "sembilan ratus sembilan puluh sembilan", "nine hundred ninety-nine"),
    (1000, "seribu", "one thousand"),
    (1001, "seribu satu", "one thousand one"),
    (1100, "seribu seratus", "one thousand one hundred"),
    (2026, "dua ribu dua puluh enam", "two thousand twenty-six"),
    (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan", "nine thousand nine hundred ninety-nine"),
    (11000, "sebelas ribu", "eleven thousand"),
    (100000, "seratus ribu", "one hundred thousand"),
    (1_000_000, "satu juta", "one million"),
    (1_001_000, "satu juta seribu", "one million one thousand"),
]


@pytest.mark.parametrize(("n", "indonesian", "english"), NUMBERS)
def test_number_words(n, indonesian, english):
    assert number_words_id(n) == indonesian
    assert number_words_en(n) == english


@pytest.mark.parametrize("bad", [-1, 10**15])
def test_numbers_out_of_range_are_refused(bad):
    with pytest.raises(ValueError, match=str(bad)):
        number_words_id(bad)
    with pytest.raises(ValueError, match=str(bad)):
        number_words_en(bad)


@pytest.mark.parametrize("bad", [True, 1.5, "12"])
def test_non_integers_are_refused(bad):
    with pytest.raises(TypeError, match="must be an int"):
        number_words_id(bad)


INDONESIAN_LETTERS = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "ve", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}


def test_indonesian_letter_names():
    assert {c: letter_name(c, "id") for c in string.ascii_uppercase} == INDONESIAN_LETTERS
    assert letter_name("k", "id") == "ka"  # lower case is the same letter


def test_english_letter_names_cover_the_alphabet():
    assert set(LETTER_NAMES_EN) == set(string.ascii_uppercase)
    assert [letter_name(c, "en") for c in "BHKWZ"] == ["bee", "aitch", "kay", "double-u", "zed"]
    # a bare "a" would be read as the article; every name must be a distinct word
    assert letter_name("A", "en") != "a"
    assert len(set(LETTER_NAMES_EN.values())) == 26


@pytest.mark.parametrize("bad", ["", "AB", "1", "É"])
def test_letter_name_refuses_non_letters(bad):
    with pytest.raises(ValueError, match="not a letter"):
        letter_name(bad, "id")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="'fr'"):
        letter_name("A", "fr")


CODES = [
    ("A-012", "id", "digits", "a nol satu dua"),
    ("A-012", "id", "whole", "a dua belas"),
    ("KT-105", "id", "digits", "ka te satu nol lima"),
    ("KT-105", "id", "whole", "ka te seratus lima"),
    ("QXZ-111", "id", "whole", "ki eks zet seratus sebelas"),
    ("A-000", "id", "whole", "a nol"),
    ("a-012", "id", "digits", "a nol satu dua"),
    ("A012", "id", "digits", "a nol satu dua"),
    ("A-012", "en", "digits", "eh zero one two"),
    ("A-012", "en", "whole", "eh twelve"),
    ("KT-105", "en", "digits", "kay tee one zero five"),
    ("KT-105", "en", "whole", "kay tee one hundred five"),
    ("WY-021", "en", "whole", "double-u wye twenty-one"),
]


@pytest.mark.parametrize(("code", "lang", "style", "spoken"), CODES)
def test_spoken_code(code, lang, style, spoken):
    assert spoken_code(code, lang, style) == spoken


@pytest.mark.parametrize("bad", ["A/012", "A-01.2", "", "  -  ", "Ä-1"])
def test_spoken_code_refuses_what_it_cannot_say(bad):
    with pytest.raises(ValueError, match="ticket code"):
        spoken_code(bad, "id")


def test_spoken_code_refuses_an_unknown_number_style():
    with pytest.raises(ValueError, match="number_style"):
        spoken_code("A-012", "id", "roman")


@pytest.mark.parametrize(("counter", "lang", "spoken"), [
    ("7", "id", "tujuh"), ("12", "id", "dua belas"), ("07", "id", "tujuh"), ("7A", "id", "tujuh a"),
    ("B2", "id", "be dua"), ("7", "en", "seven"), ("7A", "en", "seven eh"), ("21", "en", "twenty-one"),
])
def test_counter_numbers_are_read_as_whole_numbers(counter, lang, spoken):
    assert spoken_counter(counter, lang) == spoken


ID_TEMPLATE = "Nomor antrean {code}, silakan menuju {counter}"
EN_TEMPLATE = "Number {code}, please go to {counter}"


def test_announcement_text_indonesian():
    assert (announcement_text("A-012", "7", "id", ID_TEMPLATE, "loket", "digits")
            == "Nomor antrean a nol satu dua, silakan menuju loket tujuh")
    assert (announcement_text("A-012", "7", "id", ID_TEMPLATE, "loket", "whole")
            == "Nomor antrean a dua belas, silakan menuju loket tujuh")
    assert (announcement_text("KT-105", "7A", "id", ID_TEMPLATE, "loket", "digits")
            == "Nomor antrean ka te satu nol lima, silakan menuju loket tujuh a")


def test_announcement_text_english():
    assert (announcement_text("A-012", "12", "en", EN_TEMPLATE, "counter", "digits")
            == "Number eh zero one two, please go to counter twelve")
    assert (announcement_text("KT-105", "3", "en", EN_TEMPLATE, "counter", "whole")
            == "Number kay tee one hundred five, please go to counter three")


def test_template_may_put_the_placeholders_anywhere():
    assert announcement_text("B-3", "2", "id", "{counter}: {code}", "loket") == "loket dua: be tiga"


@pytest.mark.parametrize(("template", "problem"), [
    ("Nomor {kode}, ke {counter}", "unknown placeholder {kode}"),
    ("Silakan menuju {counter}", "has no {code}"),
    ("Nomor {code", "not a valid template"),
])
def test_bad_templates_are_explained(template, problem):
    assert any(problem in p for p in template_problems(template))
    with pytest.raises(ValueError, match="announcement template"):
        announcement_text("A-012", "7", "id", template, "loket")


def test_announcement_texts_one_per_configured_language_in_order():
    audio = AudioSettings(languages=["id", "en"], number_style="whole")
    assert announcement_texts(audio, "A-012", "7") == [
        ("id", "Nomor antrean a dua belas, silakan menuju loket tujuh"),
        ("en", "Number eh twelve, please go to counter seven"),
    ]
    english_first = AudioSettings(languages=["en", "id"], counter_word=Text(id="meja", en="desk"))
    assert announcement_texts(english_first, "C-5", "1") == [
        ("en", "Number cee five, please go to desk one"),
        ("id", "Nomor antrean ce lima, silakan menuju meja satu"),
    ]
    assert [lang for lang, _ in announcement_texts(AudioSettings(), "A-1", "1")] == ["id"]
