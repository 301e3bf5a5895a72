"""Each normalisation step, and inputs that must never crash or stall the rules."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.normalize import (
    FOLD_MAX_CHARS,
    MAX_CHARS,
    clean,
    fold,
    fold_leet,
    has_stretch,
    join_spaced,
    normalize,
    skeleton,
    squeeze,
    strip_marks,
)
from policies.text import TextView


def test_nfkc_and_case_folding() -> None:
    assert normalize("ＫＡＮＫＥＲ") == "kanker"  # full-width letters
    assert normalize("𝐤𝐚𝐧𝐤𝐞𝐫") == "kanker"  # mathematical bold
    assert normalize("Straße") == "strasse"  # casefold, not lower


def test_zero_width_and_control_characters_are_removed() -> None:
    assert normalize("ik m\u200baak je a\u200df\u2060") == "ik maak je af"
    assert clean("a\x00b\x07c\ufeff") == "abc"
    assert clean("regel 1\nregel 2\t!") == "regel 1\nregel 2\t!"  # newlines and tabs stay
    assert clean("a\x07b\x7fc") == "abc"  # ASCII: controls are not printable


def test_homoglyphs_mapped_inside_latin_text() -> None:
    assert normalize("sеm is a fаt lоsеr") == "sem is a fat loser"  # Cyrillic е а о
    assert normalize("ΚΑΝΚΕR") == "kanker"  # Greek capitals among Latin
    assert normalize("КАНКЕR") == "kahker"  # Cyrillic Н looks like H, and is mapped so
    # Text written wholly in Cyrillic with real Cyrillic letters stays Cyrillic.
    assert normalize("привет") == "привет"


def test_leetspeak_folds_inside_words_only() -> None:
    assert fold_leet("k@nker h0er d3bi3l 5let") == "kanker hoer debiel slet"
    # Numbers, times, ordinals, amounts and mentions stay as they are.
    assert fold_leet("bel 06-12345678 om 15:00, het 7e uur, 3 euro") == (
        "bel 06-12345678 om 15:00, het 7e uur, 3 euro"
    )
    assert fold_leet("@j4n") == "@jan"
    assert fold_leet("wow!!! niet!") == "wow!!! niet!"  # exclamation marks around words
    assert fold_leet("k!nker") == "kinker"
    # A leet symbol only counts beside a letter: amounts stay, "€" in a word folds.
    amount = "graag €5 overmaken, op 5 mei"
    assert fold_leet(amount, ("graag", "5", "overmaken", "op", "5", "mei")) is amount
    assert fold_leet("sl€t €5") == "slet €5"


def test_stretched_letters_squeezed_and_skeleton() -> None:
    assert squeeze("loooooser") == "looser"
    assert skeleton("looser") == skeleton("loser") == "loser"
    assert has_stretch("jaaaa") and not has_stretch("jaa")


def test_letter_spaced_words_are_joined() -> None:
    assert join_spaced("l o s e r") == "loser"
    assert join_spaced("k.a.n.k.e.r") == "kanker"
    assert join_spaced("k-y-s") == "kys"
    assert join_spaced("s u k k e l  dylan") == "sukkel  dylan"
    # Lists of numbers or two letters are not words in disguise.
    assert join_spaced("1 2 3") == "1 2 3"
    assert join_spaced("a b") == "a b"
    # Letters one space apart, words two apart: each word on its own.
    assert join_spaced("i k  s l a  j e") == "ik sla je"
    assert join_spaced("w.e  s e e  u") == "we see u"


def test_a_wider_gap_parts_letter_spaced_words() -> None:
    # The run's usual gap joins letters; another gap (wider, or a space between dotted words)
    # parts words: a spaced sentence is read as its words, not one long word.
    assert join_spaced("w e e t  j i j  h e t") == "weet jij het"
    assert join_spaced("d.i.t i.s e.e.n t.e.s.t") == "dit is een test"
    assert join_spaced("z-o-n-d-e  v-a-n") == "zonde van"


def test_marks_apostrophes_and_hyphens() -> None:
    assert strip_marks("k̶a̶n̶k̶e̶r̶ zoë") == "kanker zoe"
    assert fold(normalize("zo'n try-hard")) == "zon tryhard"
    assert fold(normalize("06-12345678")) == "06-12345678"


def test_strip_marks_per_character_is_nfd_without_marks_then_nfc() -> None:
    # Characters without marks are kept and the text returned itself when it is already NFC.
    text = "oké €5 👍 ø"
    assert strip_marks(text) == "oke €5 👍 ø"
    unmarked = "€5 👍 ø 하"
    assert strip_marks(unmarked) is unmarked
    # NFC still composes what is left: Hangul jamo, and a jamo whose mark was dropped.
    assert strip_marks("\u1112\u1161") == "\ud558"
    assert strip_marks("\u1112\u1161\u0301") == "\ud558"
    assert strip_marks("e\u0301\u0323 a\u0308") == "e a"  # marks written apart, reordered
    # More than eight marked characters take the single regex pass.
    assert strip_marks("àáâãäåèéêë ñ") == "aaaaaaeeee n"
    # Given characters (a superset of the text's) are used as they are.
    assert strip_marks("zoë", {"ë", "é", "€"}) == "zoe"


def test_letter_spacing_of_non_ascii_single_letters() -> None:
    # One-letter tokens that are not ASCII still count as letter spacing.
    assert TextView.of("ë ö ü").folded == "eou"
    assert TextView.of("ø ø ø").folded == "øøø"


def test_textview_keeps_original_for_evidence() -> None:
    view = TextView.of("Jij bent een L 0 S E R")
    assert view.original == "Jij bent een L 0 S E R"
    assert view.normalized == "jij bent een l 0 s e r"
    assert view.words == ("jij", "bent", "een", "loser")
    assert view.tokens[:3] == ("jij", "bent", "een")


def test_textview_skeletons_align_with_words() -> None:
    view = TextView.of("wat een sukkkkkel")
    assert view.words == ("wat", "een", "sukkel")
    assert view.skeletons == ("wat", "en", "sukel")
    assert len(view.skeletons) == len(view.words)


@pytest.mark.parametrize(
    "text",
    [
        "😂🔥💀" * 50,  # emoji only
        "مرحبا بك في المجموعة",  # right-to-left
        "abc \ud800 def \udfff",  # lone surrogates
        "\u202eesrever\u202c",  # bidi override
        "Ünïcödé 中文 русский ελληνικά mixed",
        "",
        "   ",
    ],
)
def test_odd_input_never_crashes(text: str) -> None:
    view = TextView.of(text)
    view.original.encode("utf-8")  # always valid UTF-8
    assert isinstance(view.words, tuple)
    assert len(view.skeletons) == len(view.words)


def test_emoji_only_has_no_words() -> None:
    view = TextView.of("😂😂😂")
    assert view.words == ()
    assert not view.empty  # the emoji are still there for other rules


def test_surrogates_replaced() -> None:
    assert "\ud800" not in TextView.of("x\ud800y").original


def test_one_megabyte_message_is_bounded() -> None:
    text = ("jij bent een sukkel 06-12345678 " * 40_000)[:1_000_000]
    start = time.perf_counter()
    view = TextView.of(text)
    elapsed = time.perf_counter() - start
    assert len(view.original) == MAX_CHARS
    assert len(view.folded) <= FOLD_MAX_CHARS
    assert view.words[:4] == ("jij", "bent", "een", "sukkel")
    assert elapsed < 2.0  # generous: a bound on work, not a speed target


@pytest.mark.parametrize(
    "text",
    [
        "hoi_allemaal, morgen: h5 (p.12) - 23:59!\tok\x1cja",  # ASCII: _ in tokens, not in words
        "oké €5 👍 naïef 中文 ٣٤ ²³ x\u00a0y\u2003z\u3000w",  # non-ASCII letters, digits, spaces
        "",
    ],
)
def test_tokens_and_words_match_the_regexes(text: str) -> None:
    view = TextView.of(text)
    assert view.tokens == tuple(re.findall(r"\w+", view.normalized))
    assert view.words == tuple(re.findall(r"[^\W_]+", view.folded))
    assert view.skeletons == tuple(re.findall(r"[^\W_]+", skeleton(view.folded)))


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("het 5e% uur", "het se% uur"),  # "%" does not end a chunk: "5e%" is no number with unit
        ("het\t5e\tuur (10km) [2de]", "het\t5e\tuur (10km) [2de]"),  # tabs and brackets do
        ("zo 5e{x} en 3.5e", "zo 5e{x} en 3.5e"),
        ("é é é kut", "ee kut"),  # one-character tokens outside ASCII count as letter spacing
        ("k u t 4", "kuta"),
        ("a b c", "abc"),
    ],
)
def test_ascii_fast_path_chunks_and_letter_spacing(text: str, folded: str) -> None:
    assert TextView.of(text).folded == folded


def test_long_non_ascii_text_takes_the_probe_path_with_the_same_result() -> None:
    # 64 characters or more: invisibles, look-alikes and case found through the probe.
    pad = "oké 👍 " * 20
    assert clean(pad + "a\u200bb\x07c") == pad + "abc"
    assert clean(pad + "x\ud800") == pad + "x?"
    assert normalize(pad + "CAFÉ Straße") == pad + "café strasse"
    assert normalize(pad + "ΣΑΣ") == pad + "σaσ"  # Greek Α among Latin letters
    assert normalize(pad + "sеm is een KАNKER") == pad + "sem is een kanker"  # Cyrillic е, А
    assert normalize(pad + "ＫＡＮＫＥＲ\u3000x") == pad + "kanker x"  # NFKC changes it
    assert normalize(pad + "ТЕКСТ") == pad + "tekct"  # look-alikes among Latin letters


_lookalike_texts = st.text(alphabet="aeopcxyk 'ʼ’`´‘-.kanker аеорсхуіАВЕКМНОРСТΑΒΕΖΗΙΚοραλΣ👍é",
                           max_size=120)


@settings(max_examples=400, deadline=None)
@given(_lookalike_texts)
def test_lookalikes_replaced_one_by_one_equal_the_translate_table(text: str) -> None:
    """``_replace_homoglyphs`` (one ``str.replace`` per look-alike present) is the table's
    ``str.translate``, with the text itself or only its non-ASCII characters as the probe."""
    from policies.normalize import _HOMOGLYPH_TABLE, _replace_homoglyphs

    expected = text.translate(_HOMOGLYPH_TABLE)
    assert _replace_homoglyphs(text, text) == expected
    assert _replace_homoglyphs(text, "".join(c for c in text if not c.isascii())) == expected


@settings(max_examples=300, deadline=None)
@given(_lookalike_texts)
def test_apostrophes_are_only_deleted(text: str) -> None:
    """``fold`` deletes every apostrophe mark and nothing else changes because of them."""
    from policies.normalize import _APOSTROPHES

    normalized = normalize(text)
    plain = normalized.translate(str.maketrans("", "", _APOSTROPHES))
    assert fold(normalized) == fold(plain)
