"""decode_bytes: BOMs, UTF-16, Cyrillic code pages, binary and empty input."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kzinvest.sources.decode import decode_bytes, russian_score
from kzinvest.sources.errors import InputError

SHARED = Path(__file__).parents[2] / "shared" / "dev" / "articles"

RUSSIAN = (
    "Китайская компания построит в Шымкенте завод по выпуску стекла. "
    "Объём инвестиций составит 45 млн долларов, на предприятии появится 300 рабочих мест. "
    "Строительство начнётся весной, сообщили в акимате города."
)
SHORT = "Завод построят в Таразе за 5 млрд тенге."


@pytest.mark.parametrize("enc,expected", [
    ("cp1251", "cp1251"), ("koi8_r", "koi8-r"), ("mac_cyrillic", "mac-cyrillic"),
    ("cp866", "cp866"), ("iso8859_5", "iso-8859-5"),
])
def test_single_byte_code_pages(enc, expected):
    text, got = decode_bytes(RUSSIAN.encode(enc))
    assert text == RUSSIAN
    assert got == expected


@pytest.mark.parametrize("enc", ["cp1251", "koi8_r"])
def test_short_text_common_code_pages(enc):
    text, _ = decode_bytes(SHORT.encode(enc))
    assert text == SHORT


def test_utf8_plain_and_bom():
    assert decode_bytes(RUSSIAN.encode("utf-8")) == (RUSSIAN, "utf-8")
    text, enc = decode_bytes(codecs.BOM_UTF8 + RUSSIAN.encode("utf-8"))
    assert text == RUSSIAN and enc == "utf-8-sig"
    assert not text.startswith("\ufeff")


@pytest.mark.parametrize("bom,enc", [
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
])
def test_utf16_utf32_with_bom(bom, enc):
    text, got = decode_bytes(bom + RUSSIAN.encode(enc))
    assert text == RUSSIAN and got == enc


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(enc):
    text, got = decode_bytes(RUSSIAN.encode(enc))
    assert text == RUSSIAN and got == enc


def test_utf16_ascii_without_bom():
    data = "Plain English text about a plant in Kazakhstan.".encode("utf-16-le")
    text, enc = decode_bytes(data)
    assert enc == "utf-16-le" and text.startswith("Plain English")


def test_valid_utf8_beats_a_wrong_hint():
    assert decode_bytes(RUSSIAN.encode("utf-8"), hint="windows-1251") == (RUSSIAN, "utf-8")


def test_hint_decides_ambiguous_short_text():
    data = "Да, завод".encode("koi8_r")
    assert decode_bytes(data, hint="KOI8-R") == ("Да, завод", "koi8-r")


def test_wrong_single_byte_hint_loses_to_detection():
    assert decode_bytes(RUSSIAN.encode("cp1251"), hint="koi8-r") == (RUSSIAN, "cp1251")


def test_hint_is_used_when_it_decodes():
    assert decode_bytes(SHORT.encode("cp1251"), hint="cp1251")[0] == SHORT
    # a wrong hint that cannot decode is ignored
    text, enc = decode_bytes(RUSSIAN.encode("utf-8"), hint="ascii")
    assert text == RUSSIAN and enc == "utf-8"


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty(data):
    with pytest.raises(InputError) as err:
        decode_bytes(data)
    assert err.value.reason == "empty file"


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100,
    b"PK\x03\x04" + b"\x14\x00\x00\x00" * 50,
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b"\x1f\x8b\x08\x00" + b"\x00" * 40,
    b"hello\x00world\x00" * 20,
    bytes(range(0, 32)) * 20,
])
def test_binary(data):
    with pytest.raises(InputError) as err:
        decode_bytes(data)
    assert err.value.reason == "binary file"
    assert str(err.value) == "binary file"


def test_broken_utf8_does_not_raise():
    data = RUSSIAN.encode("utf-8")[:-1]  # cut inside the last multibyte char
    text, enc = decode_bytes(data + "Ещё текст.".encode("utf-8")[:3])
    assert enc == "utf-8" and "Китайская" in text


@pytest.mark.parametrize("enc", ["cp1251", "koi8_r"])
def test_bom_lookalike_single_byte(enc):
    # "юя" in cp1251 is FE FF, the UTF-16 BE byte-order mark.
    s = "юя" if enc == "cp1251" else "ЪЧ"  # FF FE in koi8-r
    text = s + RUSSIAN
    assert decode_bytes(text.encode(enc))[0] == text


def test_russian_score_prefers_right_code_page():
    data = RUSSIAN.encode("koi8_r")
    assert russian_score(data.decode("koi8_r")) > russian_score(data.decode("cp1251"))
    data = RUSSIAN.encode("cp1251")
    assert russian_score(data.decode("cp1251")) > russian_score(data.decode("mac_cyrillic"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash(data):
    try:
        text, enc = decode_bytes(data)
    except InputError as err:
        assert err.reason in ("empty file", "binary file")
    else:
        assert isinstance(text, str) and isinstance(enc, str)
        codecs.lookup(enc)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ .,-", max_size=300))
def test_random_cyrillic_text_never_crashes(s):
    for enc in ("utf-8", "cp1251", "koi8_r", "utf-16"):
        try:
            text, _ = decode_bytes(s.encode(enc))
        except InputError as err:
            assert err.reason == "empty file"
            assert not s.strip() or len(s.encode(enc)) <= 4  # BOM-like bytes only
        else:
            assert isinstance(text, str)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared seed articles absent")
def test_seed_cp1251():
    text, enc = decode_bytes((SHARED / "dev-131.txt").read_bytes())
    assert enc == "cp1251"
    assert "Бадам" in text


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared seed articles absent")
def test_seed_koi8r():
    text, enc = decode_bytes((SHARED / "dev-132.txt").read_bytes())
    assert enc == "koi8-r"
    assert "Тулпар-Тальго" in text


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared seed articles absent")
def test_seed_utf8_articles():
    for path in sorted(SHARED.glob("*.txt")):
        if path.name in ("dev-131.txt", "dev-132.txt"):
            continue
        text, enc = decode_bytes(path.read_bytes())
        assert enc in ("utf-8", "utf-8-sig"), path.name
