"""Text normalisation shared by all text rules, in one cheap pass per message.

Two forms come out of it (see ``policies.text.TextView``):

* ``normalize``: Unicode NFKC, case folding, invisible/control characters removed, Cyrillic and
  Greek look-alike letters mapped to Latin. Digits and punctuation are untouched, so phone numbers,
  dates and amounts keep working for the personal-data and topic rules.
* ``fold``: built on the normalised form for word lists: diacritics stripped, apostrophes dropped
  (``zo'n`` -> ``zon``), letter-spaced words joined (``l o s e r``, ``k.a.n.k.e.r``), leetspeak
  folded inside words only (``k@nker``, ``h0er``, ``5let``; ``06-12345678`` and ``7e uur`` stay as
  they are) and stretched letters squeezed to two (``loooooser`` -> ``looser``). ``skeleton``
  collapses every run of a repeated letter to one, so ``looser``/``loser`` meet in lookups.

ASCII text (most chat lines) takes a fast path that skips the Unicode work.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

MAX_CHARS = 20_000  # rules look at the first 20k characters; longer messages are cut, not rejected
# Word-list rules (the folded form) read the first 4,000 characters: a 20 kB paste still gets a
# verdict in a few milliseconds; pattern rules on ``normalized`` (phone numbers) see all 20k.
FOLD_MAX_CHARS = 4_000
# At most this much of a message is read at all (before invisibles are removed and blanks
# squeezed): far above any platform's message limit (Telegram 4,096, WhatsApp ~65,000 characters).
MAX_SCAN_CHARS = 1_000_000
_BLANK_RUN = re.compile(r"\s{4,}")

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\x00-\x08\x0b-\x1f\x7f-\x9f]"
)

# Cyrillic and Greek letters that look like Latin ones (lower case; text is case-folded first).
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ь": "b", "п": "n", "г": "r", "ә": "e", "ӧ": "o",
    "ү": "y", "ґ": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "ϲ": "c", "ϳ": "j", "ά": "a", "έ": "e", "ί": "i", "ό": "o", "ύ": "u",
    # Capitals (mapped before case folding, since lower-case Greek nu looks like v, not n)
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "І": "i", "Ј": "j", "Ѕ": "s", "Α": "a", "Β": "b", "Ε": "e",
    "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t",
    "Υ": "y", "Χ": "x",
    # Latin and IPA look-alikes that NFKC keeps
    "ɑ": "a", "ɡ": "g", "ı": "i", "ȷ": "j", "ɩ": "i", "ʀ": "r", "ɴ": "n", "ʏ": "y", "ᴋ": "k",
    "ᴍ": "m", "ᴛ": "t", "ᴏ": "o", "ᴜ": "u", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ʜ": "h", "ʟ": "l",
    "ꜱ": "s", "ᴘ": "p", "ᴡ": "w", "ᴠ": "v", "ᴢ": "z", "ʙ": "b", "ɢ": "g",
}  # fmt: skip
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)  # the reference for ``_replace_homoglyphs``
_HOMOGLYPH_CHARS = frozenset(_HOMOGLYPHS)
_CONFUSABLE_SCRIPT = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0250-\u02af\u1d00-\u1d7f\ua700-\ua7ff]"
)
_LATIN_LETTER = re.compile(r"[a-z]")

# Leetspeak, only applied inside a word that also has letters.
_LEET_TABLE = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "€": "e", "!": "i", "|": "l", "¡": "i", "£": "e",
})  # fmt: skip
# Whole words whose digit is read aloud, not as a look-alike letter.
_LEET_WORDS = {"h8": "hate", "h8e": "hate", "h8s": "hates", "h8r": "hater", "h8rs": "haters",
               "h8ed": "hated", "h8te": "haat", "h8t": "haat"}
_LEET_SYMBOL = re.compile(r"[@$€|¡£]")
_LEET_BANG = re.compile(r"[a-z]!+[a-z]")
# A leet character touching a letter (``k@n``, ``h0e``, ``d3b``); ``!`` only between letters. Two
# patterns that each start with a character class or a literal: ``re`` then skips ahead in C to
# the next candidate character, instead of trying an alternation at every position (10x faster).
_LEET_BESIDE_LETTER = re.compile(r"[0-9@$€|¡£](?:(?<=[^\W\d_][0-9@$€|¡£])|[^\W\d_])")
_BANG_BETWEEN_LETTERS = re.compile(r"!(?<=[^\W\d_]!)!*[^\W\d_]")
# Characters that end a chunk of text that leetspeak folding treats as one word (with whitespace).
_CHUNK_ENDS = frozenset(".,;:?\"'()[]{}<>/\\")
# The same for ASCII text, with the ASCII characters ``str.isspace`` calls whitespace.
_ASCII_CHUNK_ENDS = _CHUNK_ENDS | frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
_UNIT = re.compile(
    r"\d+(?:e|de|ste|st|nd|rd|th|x|k|m|u|h|uur|min|sec|cm|km|kg|g|gb|mb|mm|ml|l|pm|am|s|jr|p|fps"
    r"|hz|ghz|v|w|kw|kwh|d|euro|eur)?"
)
_APOSTROPHES = "'’`´ʼ‘"
_SEP = " .\\-_*·•~+"
_SPACED = re.compile(rf"\b\w(?:[{_SEP}]{{1,3}}\w\b){{2,}}")
_SPACER = re.compile(rf"[{_SEP}]")
_GAPS = re.compile(rf"([{_SEP}]+)")
_WIDE_GAP = re.compile(r"\s{2,}")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
_RUNS = re.compile(r"([^\W\d_])\1+")
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_TRIPLE = re.compile(r"(\w)\1\1", re.ASCII)  # cheap pre-check for _STRETCH


# Non-ASCII text this long is scanned for invisibles and look-alikes through a probe: a string of
# only the characters a scan can match (UTF-8 bytes with the others deleted, ~3 instructions per
# byte; deleting ASCII bytes keeps UTF-8 valid). A regex scan costs ~40 instructions per
# character, but making the probe ~4,000 in all, more than a scan of a chat line.
_PROBE_MIN_CHARS = 64
_USUAL_ASCII = bytes([9, 10, *range(0x20, 0x7F)])  # the ASCII characters not in ``_INVISIBLE``
_ASCII_BYTES = bytes(range(0x80))


def clean(text: str) -> str:
    """Make any input safe to process: valid UTF-8 text of bounded length, invisibles removed.

    Padding never hides a message: invisibles are removed and long blank runs (spaces, newlines,
    U+2800 braille blanks) squeezed *before* the text is cut to ``MAX_CHARS``, so an insult after
    20,000 zero-width spaces or 4,000 newlines is judged on what a reader sees.
    """
    if len(text) > MAX_SCAN_CHARS:
        text = text[:MAX_SCAN_CHARS]
    text = _remove_invisibles(text)
    if len(text) > FOLD_MAX_CHARS:
        text = _squeeze_blanks(text)
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS]
    return text


def _remove_invisibles(text: str) -> str:
    if text.isascii():
        # The ASCII invisibles are control characters, which ``isprintable`` rejects.
        return text if text.isprintable() else _INVISIBLE.sub("", text)
    try:
        data = text.encode()
    except UnicodeEncodeError:
        # Lone surrogates (from broken JSON or platforms) would crash encoders further down.
        text = text.encode("utf-8", "replace").decode("utf-8")
    else:
        if len(text) >= _PROBE_MIN_CHARS:
            unusual = data.translate(None, _USUAL_ASCII).decode()
            if _INVISIBLE.search(unusual) is None:
                return text
    return _INVISIBLE.sub("", text)


def _squeeze_blanks(text: str) -> str:
    """Blank runs longer than three characters keep their first three (words stay apart, lines
    stay lines); U+2800 (braille blank, shown as nothing) counts as a space."""
    if "\u2800" in text:
        text = text.replace("\u2800", " ")
    return _BLANK_RUN.sub(_first_three, text)


def _first_three(match: re.Match[str]) -> str:
    return match.group()[:3]


def _map_homoglyphs(text: str, probe: str) -> str:
    """Map look-alikes when they hide among Latin letters (``kаnker`` with a Cyrillic а).

    Text written wholly in Cyrillic or Greek stays itself unless every letter in it is a look-alike.
    ``probe`` holds (at least) the non-ASCII characters of ``text``, where all look-alikes are.
    """
    if not _CONFUSABLE_SCRIPT.search(probe):
        return text
    mapped = _replace_homoglyphs(text, probe)
    if _LATIN_LETTER.search(text.lower()):
        return mapped
    return mapped if not _CONFUSABLE_SCRIPT.search(mapped) else text


def _replace_homoglyphs(text: str, probe: str) -> str:
    """``text.translate(_HOMOGLYPH_TABLE)`` by one ``str.replace`` per look-alike in ``probe``: a
    few C scans, where ``str.translate`` looks up a dict per character (~0.25 ms for a 4 kB paste).
    Each look-alike maps to ASCII, which no other replacement touches (pinned to ``translate`` by a
    property test)."""
    for char in _HOMOGLYPH_CHARS.intersection(probe):
        text = text.replace(char, _HOMOGLYPHS[char])
    return text


def normalize(text: str) -> str:
    """NFKC, case folding, invisibles removed, look-alike letters mapped; digits untouched."""
    return normalize_clean(clean(text))


def normalize_clean(text: str) -> str:
    """``normalize`` for text that already went through ``clean``."""
    if text.isascii():
        return text.lower()
    nfkc = unicodedata.normalize("NFKC", text)
    if nfkc is not text:  # the same object when already NFKC, and then free of invisibles
        # NFKC may produce new invisibles (for example from compatibility spaces); drop them again.
        nfkc = _INVISIBLE.sub("", nfkc)
    if len(nfkc) < _PROBE_MIN_CHARS:
        folded = _map_homoglyphs(nfkc, nfkc).casefold()
    else:
        folded = _map_and_fold_long(nfkc)
    # Case folding can leave a letter and a combining mark apart ("ß́" -> "ss" + U+0301): compose
    # them again, so that normalising twice gives the same text (Unicode's NFKC_Casefold does so).
    return folded if folded.isascii() else unicodedata.normalize("NFC", folded)


def _map_and_fold_long(text: str) -> str:
    """``_map_homoglyphs(text).casefold()`` through a probe of the non-ASCII characters.

    ``casefold`` maps character by character, and ASCII letters as ``lower`` does. When it leaves
    the non-ASCII characters alone (no character folds to a string starting with itself, so an
    equal probe means each one unchanged), lowering the ASCII bytes gives the same string without
    a Unicode lookup per character.
    """
    data = text.encode()
    non_ascii = data.translate(None, _ASCII_BYTES).decode()
    mapped = _map_homoglyphs(text, non_ascii)
    if mapped is text and non_ascii.casefold() == non_ascii:
        return data.lower().decode()
    return mapped.casefold()


def _combining_class() -> re.Pattern[str]:
    """A regex character class of every combining mark (``unicodedata.combining(ch) != 0``).

    Removing them with one ``sub`` is the same as testing each character in Python, but runs in C.
    All combining marks live in the first two planes (the last is U+1E94A), which keeps building
    the class at import to a few milliseconds.
    """
    ranges: list[list[int]] = []
    for code in range(0x20000):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    parts = (
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile("[" + "".join(parts) + "]")


_COMBINING = _combining_class()


_NO_CHARS: frozenset[str] = frozenset()
_CHAR_CACHE_SIZE = 20_000  # distinct non-ASCII characters remembered per property below


def non_ascii_chars(text: str) -> set[str]:
    """The distinct non-ASCII characters of ``text``, from its UTF-8 bytes with the ASCII ones
    deleted (C, a few instructions per byte; ``set(text)`` costs ~200 per character)."""
    try:
        data = text.encode()
    except UnicodeEncodeError:  # lone surrogates (``clean`` removes them)
        return {ch for ch in text if not ch.isascii()}
    return set(data.translate(None, _ASCII_BYTES).decode())


# Per non-ASCII character: no combining mark in its NFD (``_MARK_FREE``), or its NFD without the
# marks (``_UNMARKED``). Chat reuses a handful of such characters (é, ë, €, emoji).
_MARK_FREE: set[str] = set()
_UNMARKED: dict[str, str] = {}


def _unmarked(ch: str) -> str | None:
    """``ch``'s NFD without its combining marks, or None when it has none (remembered)."""
    form = _UNMARKED.get(ch)
    if form is None and ch not in _MARK_FREE:
        if len(_MARK_FREE) + len(_UNMARKED) >= _CHAR_CACHE_SIZE:
            _MARK_FREE.clear()
            _UNMARKED.clear()
        decomposed = unicodedata.normalize("NFD", ch)
        kept = [part for part in decomposed if not unicodedata.combining(part)]
        if len(kept) == len(decomposed):
            _MARK_FREE.add(ch)
        else:
            form = _UNMARKED[ch] = "".join(kept)
    return form


def strip_marks(text: str, chars: set[str] | frozenset[str] | None = None) -> str:
    """Drop combining marks (``zoë`` -> ``zoe``, strike-through ``k̶a̶n̶`` -> ``kan``).

    ``chars`` holds (at least) the non-ASCII characters of ``text``. The result is
    ``NFC(NFD(text) without marks)``. NFD decomposes each character and only reorders marks, and
    NFC depends only on the NFD of its input, so replacing each character that has marks by its
    NFD without them and then applying NFC gives the same string; characters without marks stay.
    """
    if text.isascii():
        return text
    if chars is None:
        chars = non_ascii_chars(text)
    stripped = text
    if not _MARK_FREE.issuperset(chars):
        forms = [(ch, form) for ch in chars if (form := _unmarked(ch)) is not None]
        if len(forms) > 8:  # many marks (a long paste): one pass over the text in C
            decomposed = _COMBINING.sub("", unicodedata.normalize("NFD", text))
            return unicodedata.normalize("NFC", decomposed)
        for ch, form in forms:
            stripped = stripped.replace(ch, form)
    if unicodedata.is_normalized("NFC", stripped):
        return stripped  # ``text`` itself when nothing changed: callers can tell by identity
    return unicodedata.normalize("NFC", stripped)


def _join_spaced(match: re.Match[str]) -> str:
    run = match.group(0)
    joined = _SPACER.sub("", run)
    # "1 2 3" or "a b" lists are not words in disguise: need two letters at least.
    if sum(ch.isalpha() for ch in joined) < 2:
        return run
    if _WIDE_GAP.search(run):
        # Letters one space (or mark) apart, words two spaces or more: "i k  s l a  j e",
        # "w.e  s e e  u" -> "ik sla je", "we see u".
        return " ".join(_SPACER.sub("", word) for word in _WIDE_GAP.split(run))
    # Otherwise the run's most common gap joins letters and any other gap parts words
    # ("s.t.u.u.r m.e" -> "stuur me").
    parts = _GAPS.split(run)
    chars, gaps = parts[0::2], parts[1::2]
    letter_gap = Counter(gaps).most_common(1)[0][0]
    words = [chars[0]]
    for gap, ch in zip(gaps, chars[1:], strict=True):
        if gap == letter_gap:
            words[-1] += ch
        else:
            words.append(ch)
    return " ".join(words)


def join_spaced(text: str) -> str:
    """``l o s e r`` / ``k.a.n.k.e.r`` / ``k-y-s`` -> one word (three single characters or more)."""
    return _SPACED.sub(_join_spaced, text)


def _near_letter(text: str) -> bool:
    return (
        _LEET_BESIDE_LETTER.search(text) is not None
        or ("!" in text and _BANG_BETWEEN_LETTERS.search(text) is not None)
    )


def _fold_chunk(chunk: str) -> str:
    if _UNIT.fullmatch(chunk) or not _near_letter(chunk):
        return chunk  # numbers, times, ordinals, phone numbers, "niet!": leave alone
    # Exclamation marks around a word are punctuation; a leading @ is a mention, not an "a".
    core = chunk.strip("!¡")
    head = chunk[: chunk.index(core)] if core else chunk
    tail = chunk[len(head) + len(core) :]
    if core.startswith("@"):
        return head + "@" + core[1:].translate(_LEET_TABLE) + tail
    word = _LEET_WORDS.get(core)
    if word is not None:  # "h8" is "hate", not "hb"
        return head + word + tail
    return head + core.translate(_LEET_TABLE) + tail


def _fold_chunks(text: str) -> str:
    """Fold the chunks (runs of text between whitespace and ``_CHUNK_ENDS``) in which a leet
    character touches a letter; only those can change, so only those are looked at. Returns
    ``text`` itself when nothing changed ("het 5e uur"), so callers can tell by identity."""
    spots = [m.start() for m in _LEET_BESIDE_LETTER.finditer(text)]
    if "!" in text:
        spots += [m.start() for m in _BANG_BETWEEN_LETTERS.finditer(text)]
        spots.sort()
    ends = _CHUNK_ENDS
    n = len(text)
    parts: list[str] = []
    copied = 0  # text[:copied] is in ``parts``
    seen = 0  # chunks before this index were looked at
    for spot in spots:
        if spot < seen:
            continue  # inside a chunk already looked at
        start = spot
        while start > seen and not text[start - 1].isspace() and text[start - 1] not in ends:
            start -= 1
        end = spot + 1
        while end < n and not text[end].isspace() and text[end] not in ends:
            end += 1
        seen = end
        chunk = text[start:end]
        folded = _fold_chunk(chunk)
        if folded != chunk:
            parts.append(text[copied:start])
            parts.append(folded)
            copied = end
    if not parts:
        return text
    parts.append(text[copied:])
    return "".join(parts)


def _plain_tokens(tokens: list[str] | tuple[str, ...]) -> bool:
    """Whether every token is all letters or all digits (no leetspeak can hide in them).

    ASCII tokens are checked on their character classes (a mixed token has a letter next to a
    digit, or an underscore); others one by one with ``str.isalpha``/``str.isdigit``.
    """
    joined = " ".join(tokens)
    if joined.isascii():
        classes = _ascii_classes(joined)
        return "#" not in classes and "a0" not in classes and "0a" not in classes
    return all(tok.isalpha() or tok.isdigit() for tok in tokens)


def fold_leet(text: str, tokens: list[str] | tuple[str, ...] | None = None) -> str:
    """Fold leetspeak inside words that also contain letters (``d3bi3l`` -> ``debiel``).

    With ``tokens`` (``\\w+`` tokens) a digit can only be leet inside a mixed letter/digit token,
    which is cheaper to see there than with a regex over the whole text.
    """
    if not _near_letter(text):
        return text  # no leet character beside a letter: ``_fold_chunks`` would return ``text``
    if (
        tokens is not None
        and not _LEET_SYMBOL.search(text)
        and ("!" not in text or not _LEET_BANG.search(text))
        and _plain_tokens(tokens)
    ):
        return text
    return _fold_chunks(text)


def squeeze(text: str) -> str:
    """Stretched letters down to two: ``loooooser`` -> ``looser``."""
    return _STRETCH.sub(r"\1\1", text)


def has_stretch(text: str) -> bool:
    """Whether a letter repeats three times or more (``loooser``)."""
    return _TRIPLE.search(text) is not None


def skeleton(text: str) -> str:
    """Every run of a repeated letter down to one: ``looser`` -> ``loser``."""
    return _RUNS.sub(r"\1", text)


# Lower-case ASCII text mapped to character classes: letters "a", digits "0", characters ``fold``
# may drop or map ("'`-@$|_") "#", "!" itself, the characters that end a chunk
# (``_ASCII_CHUNK_ENDS`` but "'") a space, everything else "%". Substring tests on the classes
# then replace regex scans, which cost tens of nanoseconds per character position in ``re``.
_ASCII_CLASSES = bytes(
    (
        "a" if chr(code).isalpha()
        else "0" if chr(code).isdigit()
        else "#" if chr(code) in "'`-@$|_"
        else "!" if chr(code) == "!"
        else " " if chr(code) in _ASCII_CHUNK_ENDS
        else "%"
    ).encode()[0] if code < 128 else 0x25
    for code in range(256)
)


def _ascii_classes(text: str) -> str:
    """``text`` (ASCII) as its ``_ASCII_CLASSES``: ``bytes.translate`` is a C table lookup per
    byte, where ``str.translate`` with a dict first fills a cache per call (~400 instructions per
    distinct character). Back to ``str``, since ``in`` on bytes with a bytes needle raises and
    clears a TypeError inside (~2,000 instructions)."""
    return text.encode().translate(_ASCII_CLASSES).decode()


_TRIPLE_CACHE_SIZE = 50_000


class _TripleGate:
    """Whether a token holds a character three times in a row (``_TRIPLE``), remembered per token.

    A triple lies inside one ``\\w+`` token, and chat repeats its words: after a warm-up a whole
    message is answered by one ``set.issuperset`` in C.
    """

    def __init__(self) -> None:
        self._plain: set[str] = set()

    def any(self, tokens: tuple[str, ...] | list[str]) -> bool:
        plain = self._plain
        if plain.issuperset(tokens):
            return False
        if len(plain) >= _TRIPLE_CACHE_SIZE:
            plain.clear()  # bounded; a cold start is cheap
        for token in tokens:
            if token not in plain:
                if _TRIPLE.search(token):
                    return True
                plain.add(token)
        return False


_TRIPLES = _TripleGate()


def _ascii_unfoldable(text: str, tokens: tuple[str, ...] | list[str]) -> bool:
    """Whether lower-case ASCII ``text`` is its own fold: no apostrophe, dash, leet symbol or
    underscore, no ``!`` between letters, no letter touching a digit, no character three times in
    a row. Plain numbers ("hoofdstuk 3", "23:59") are left alone by ``fold_leet`` anyway."""
    classes = _ascii_classes(text)
    return (
        "#" not in classes
        and ("a!" not in classes or "!a" not in classes or _LEET_BANG.search(text) is None)
        and (("a0" not in classes and "0a" not in classes) or _ascii_units_only(text, classes))
        and not _TRIPLES.any(tokens)
    )


def _ascii_units_only(text: str, classes: str) -> bool:
    """Whether every letter touching a digit in ASCII ``text`` (without leet symbols) sits in a
    chunk ``_fold_chunk`` leaves alone as a number with a unit: "het 5e uur", "10km", "2de".

    ``text`` holds no "'" (class "#"), so the chunks end exactly at the spaces of ``classes``.
    """
    for pair in ("a0", "0a"):
        at = classes.find(pair)
        while at >= 0:
            start = classes.rfind(" ", 0, at) + 1
            end = classes.find(" ", at + 2)
            if end < 0:
                end = len(text)
            if not _UNIT.fullmatch(text, start, end):
                return False
            at = classes.find(pair, end)
    return True


_ONE_ASCII_CHAR = frozenset(map(chr, range(128)))


def _three_single_chars(tokens: tuple[str, ...] | list[str], chars: set[str] | frozenset[str]) -> bool:
    """Whether three tokens or more are one character long (``l o s e r``: letter spacing).

    ``chars`` holds (at least) the non-ASCII characters of the tokens. A one-character token is
    one of the 128 ASCII ones or one of ``chars``, which two ``isdisjoint`` calls in C rule out for
    most lines (``map(len, ...)`` costs ~450 instructions per token).
    """
    if _ONE_ASCII_CHAR.isdisjoint(tokens) and (not chars or chars.isdisjoint(tokens)):
        return False
    return list(map(len, tokens)).count(1) >= 3


def fold(normalized: str, tokens: list[str] | tuple[str, ...] | None = None) -> str:
    """The form word lists are matched against; ``normalized`` comes from ``normalize``.

    ``tokens`` (the ``\\w+`` tokens of ``normalized``) lets the cheap pre-checks skip the
    letter-spacing pass for the many messages that have fewer than three one-letter tokens.
    """
    return fold_stretched(normalized, tokens)[0]


def fold_stretched(
    normalized: str,
    tokens: list[str] | tuple[str, ...] | None = None,
    chars: set[str] | frozenset[str] | None = None,
) -> tuple[str, bool]:
    """``fold`` and whether it squeezed stretched letters (``loooser``, ``l000ser``).

    ``chars`` (at least the non-ASCII characters of ``normalized``) saves finding them again.
    """
    ascii = normalized.isascii()
    if ascii:
        chars = _NO_CHARS
    elif chars is None:
        chars = non_ascii_chars(normalized)  # once, for the letter-spacing check and strip_marks
    spaced = tokens is None or _three_single_chars(tokens, chars)
    if tokens is not None and not spaced and ascii and _ascii_unfoldable(normalized, tokens):
        return normalized, False  # most chat lines: nothing to fold
    text = strip_marks(normalized, chars)
    for mark in _APOSTROPHES:  # (str.replace scans in C; a deleting str.translate looks up a
        if mark in text:  # dict per character: ~0.25 ms for a 4 kB paste)
            text = text.replace(mark, "")
    if "-" in text:  # try-hard, kanker-moeilijk, ov-kaart: one word (numbers keep their dash)
        text = _HYPHEN.sub("", text)
    if spaced:
        joined = join_spaced(text)
        if joined != text:
            text, tokens = joined, None  # new words: look at them afresh for leetspeak
    text = fold_leet(text, tokens)
    if text is normalized and tokens is not None:
        stretched = _TRIPLES.any(tokens)  # nothing changed: the tokens are still the text's
    else:
        stretched = _TRIPLE.search(text) is not None
    if stretched:
        squeezed = squeeze(text)
        return squeezed, squeezed != text
    return text, False
