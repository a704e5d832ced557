"""Bytes to text: BOMs, UTF-8, UTF-16 and the Cyrillic single-byte code pages.

Order of the checks in `decode_bytes`:

1. empty input -> InputError("empty file");
2. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides;
3. UTF-16 without a BOM, recognised by the high bytes of its code units (0x00 for
   ASCII, 0x04 for Cyrillic) sitting on every other byte;
4. strict UTF-8 (valid UTF-8 beats any hint);
5. binary content (known magic numbers, NUL bytes, many control bytes) ->
   InputError("binary file");
6. a caller's hint (HTTP header, <meta charset>) when the bytes decode with it
   and read about as Russian as the best guess of step 7;
7. single-byte code pages: charset-normalizer's guesses plus cp1251, koi8-r,
   mac-cyrillic, cp866 and iso-8859-5, each scored by how Russian the decoded text
   looks (common letters, common bigrams, sane letter case); charset-normalizer on
   its own mixes these up on short Russian texts;
8. otherwise UTF-8 with replacement characters: undecodable text never raises.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from kzinvest.sources.errors import InputError

__all__ = ["decode_bytes", "russian_score"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# File signatures of formats that are never article text.
_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-", b"PK\x03\x04",
    b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07", b"\x7fELF", b"MZ", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"SQLite format 3\x00",
    b"II*\x00", b"MM\x00*", b"\xca\xfe\xba\xbe", b"wOFF", b"wOF2",
)

_SINGLE_BYTE = ("cp1251", "koi8_r", "mac_cyrillic", "cp866", "iso8859_5")
_SAMPLE = 200_000
# How rare each code page is in Kazakh/Russian news: ties go to the common one.
_PRIOR_PENALTY = {"cp1251": 0.0, "koi8-r": 0.005, "cp866": 0.01, "mac-cyrillic": 0.03,
                  "iso-8859-5": 0.03}

# Relative frequency (per mille) of lowercase Russian letters.
_LETTER_FREQ = {
    "о": 109.7, "е": 84.5, "а": 80.1, "и": 73.5, "н": 67.0, "т": 62.6, "с": 54.7,
    "р": 47.3, "в": 45.4, "л": 44.0, "к": 34.9, "м": 32.1, "д": 29.8, "п": 28.1,
    "у": 26.2, "я": 20.1, "ы": 19.0, "ь": 17.4, "г": 17.0, "з": 16.5, "б": 15.9,
    "ч": 14.4, "й": 12.1, "х": 9.7, "ж": 9.4, "ш": 7.3, "ю": 6.4, "ц": 4.8,
    "щ": 3.6, "э": 3.2, "ф": 2.6, "ъ": 0.4, "ё": 0.4,
}
_COMMON_BIGRAMS = frozenset(
    "ст но то на ен ов ни ра во ко ал ор ре по ос пр ан ро ти ер ет ка ит от ли ва "
    "та ом ол ла го ел ле ес ат ак ва ие ск ин ве за де ны ма ме ой ия ий ый ых ую "
    "ая ое ей ем ам им их ть тв ль ьн ся ки ка ри ру ед ег ал ез ик ым ую ющ щи яз".split())
_CYR_WORD = re.compile(r"[А-яЁё]+")
_OK_PUNCT = set(" \t\n\r\f\v.,:;!?-–—―«»\"'()[]{}/\\%№#&*+=<>@_$€₸₽…“”„‘’•·°|~^`")


_INWORD_SYMBOL = re.compile(r"(?<=[А-яЁё])[^\w\s.,:;!?\-–—«»\"'()/%]+(?=[А-яЁё])")
_PLAIN_PUNCT = set(" \t\n\r\f\v.,:;!?-–—«»\"'()[]/%№…“”„•·+=*&@#")


def _is_weird(ch: str) -> bool:
    """Not what Russian news text is made of: non-Russian Cyrillic letters, symbols,
    control characters (the debris of a wrong code page)."""
    if ch in _PLAIN_PUNCT or ch.isspace() or ch.isdigit():
        return False
    if ch.isalpha():
        if "\u0400" <= ch <= "\u04ff":
            return not ("А" <= ch <= "я" or ch in "Ёё")
        return not ch.isascii()
    return True


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    return None


def _printable_share(text: str) -> float:
    if not text:
        return 0.0
    good = 0
    for ch in text:
        if ch.isalnum() or ch in _OK_PUNCT or ch.isspace():
            good += 1
        elif unicodedata.category(ch)[0] in "PS":
            good += 1
    return good / len(text)


def _common_script_share(text: str) -> float:
    """Share of characters from ASCII, Latin-1, Cyrillic and common punctuation."""
    if not text:
        return 0.0
    ok = sum(1 for ch in text if ch < "\u0250" or "\u0400" <= ch <= "\u04ff"
             or "\u2000" <= ch <= "\u206f" or ch in "№₸€₽")
    return ok / len(text)


def _utf16_guess(data: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte is a high byte of 0x00 or 0x04."""
    n = len(data) - (len(data) % 2)
    if n < 4:
        return None
    sample = data[: min(n, 4096)]
    even, odd = sample[0::2], sample[1::2]

    def high_share(bs: bytes) -> float:
        return sum(1 for b in bs if b in (0, 4)) / len(bs)

    def zero_share(bs: bytes) -> float:
        return bs.count(0) / len(bs)

    for enc, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high_share(high) >= 0.9 and zero_share(low) < 0.1 and zero_share(high) > 0.05:
            try:
                text = data[:n].decode(enc)
            except UnicodeDecodeError:
                continue
            if _printable_share(text) > 0.95:
                return enc
    return None


def _looks_binary(data: bytes) -> bool:
    if data.startswith(_MAGIC):
        return True
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if (b < 32 and b not in (9, 10, 12, 13, 11, 27)) or b == 127)
    return ctrl / max(1, len(sample)) > 0.05


def russian_score(text: str) -> float:
    """How much `text` looks like Russian (roughly 0..1; higher is better).

    Combines the share of well-formed Cyrillic words (lowercase, Capitalised or ALL
    CAPS), the mean letter frequency, the share of common bigrams, and a penalty for
    characters that are neither letters, digits nor ordinary punctuation (box
    drawing, stray symbols: what a wrong code page produces).
    """
    words = _CYR_WORD.findall(text)
    if not words:
        return 0.0
    letters = sum(len(w) for w in words)
    good_case = 0
    freq = 0.0
    bigram_hits = bigram_total = 0
    for w in words:
        if w.islower() or w.isupper() or (w[0].isupper() and w[1:].islower()):
            good_case += len(w)
        lw = w.lower()
        for ch in lw:
            freq += _LETTER_FREQ.get(ch, 0.0)
        for a, b in zip(lw, lw[1:]):
            bigram_total += 1
            if a + b in _COMMON_BIGRAMS:
                bigram_hits += 1
    case_share = good_case / letters
    freq_share = min(1.0, (freq / letters) / 55.0)
    bigram_share = bigram_hits / bigram_total if bigram_total else 0.0
    lower_share = sum(1 for w in words for ch in w if ch.islower()) / letters
    weird = sum(1 for ch in text if _is_weird(ch))
    weird += len(_INWORD_SYMBOL.findall(text))
    weird_share = weird / max(1, len(text))
    cyr_share = letters / max(1, sum(1 for ch in text if ch.isalpha()))
    return (0.3 * case_share + 0.2 * freq_share + 0.3 * bigram_share
            + 0.1 * lower_share + 0.1 * cyr_share - 3.0 * weird_share)


def _normal_name(enc: str) -> str:
    try:
        name = codecs.lookup(enc).name
    except LookupError:
        return enc
    return {"koi8-r": "koi8-r", "mac-cyrillic": "mac-cyrillic", "cp1251": "cp1251",
            "iso8859-5": "iso-8859-5", "cp866": "cp866"}.get(name, name)


def _charset_normalizer_guesses(sample: bytes) -> list[str]:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return []
    try:
        matches = from_bytes(sample, steps=5, chunk_size=512, threshold=0.3)
        return [m.encoding for m in list(matches)[:5]]
    except Exception:  # never let the guesser take the batch down
        return []


def _single_byte(data: bytes) -> tuple[str, str] | None:
    sample = data[:_SAMPLE]
    candidates: list[str] = []
    for enc in [*_SINGLE_BYTE, *_charset_normalizer_guesses(sample)]:
        name = _normal_name(enc)
        if name not in candidates and name not in ("utf-8", "ascii", "utf-16", "utf-32"):
            candidates.append(name)
    best: tuple[float, str] | None = None
    for enc in candidates:
        try:
            text = sample.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        score = russian_score(text) - _PRIOR_PENALTY.get(enc, 0.04)
        if not _CYR_WORD.search(text):
            # Not Cyrillic at all: trust charset-normalizer's order, a little.
            score = 0.2 * _printable_share(text) - 0.01 * candidates.index(enc)
        if best is None or score > best[0]:
            best = (score, enc)
    if best is None or best[0] <= 0.1:
        return None
    enc = best[1]
    return data.decode(enc, errors="replace"), enc


def decode_bytes(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """Decode `data`; return (text, encoding name). Raises InputError for empty or
    binary input, never for merely undecodable bytes."""
    if not data:
        raise InputError("empty file")
    bom = _bom(data)
    if bom:
        enc, skip = bom
        text = data[skip:].decode(enc.replace("-sig", ""), errors="replace")
        if not text.strip():
            raise InputError("empty file")
        if enc == "utf-8-sig" or _common_script_share(text) >= 0.5:
            return text, enc
        # "\xfe\xff" is also "юя" in cp1251: a UTF-16 "BOM" followed by CJK soup
        # is a single-byte text that happens to start like one.
        single = _single_byte(data)
        if single and russian_score(single[0]) > 0.5:
            return single
        return text, enc
    utf16 = _utf16_guess(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Valid UTF-8 with any non-ASCII byte is UTF-8, whatever a header claims.
        if "\x00" in text or _looks_binary(data):
            raise InputError("binary file")
        return text, "utf-8"
    if _looks_binary(data):
        raise InputError("binary file")
    hinted = _try_hint(data, hint)
    # Mostly UTF-8 with a few broken bytes (a truncated multi-byte character)?
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if bad and bad / max(1, len(lenient)) < 0.001 and _CYR_WORD.search(lenient):
        return lenient, "utf-8"
    single = _single_byte(data)
    if hinted and (single is None or russian_score(hinted[0][:_SAMPLE])
                   >= russian_score(single[0][:_SAMPLE]) - 0.1):
        return hinted
    if single:
        return single
    return lenient, "utf-8"


def _try_hint(data: bytes, hint: str | None) -> tuple[str, str] | None:
    """Decode with the caller's charset (HTTP header, <meta charset>) if it works."""
    if not hint:
        return None
    try:
        name = _normal_name(hint.strip().strip("\"'").lower())
        if name in ("utf-8", "utf-8-sig", "ascii"):
            return None  # already tried strictly
        return data.decode(name), name
    except (UnicodeDecodeError, LookupError):
        return None

