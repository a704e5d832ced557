"""Property tests: arbitrary text never crashes the extractor, and every evidence string is
verbatim in its input, with spans that point at it."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzinvest import extract_text
from kzinvest.model import SECTORS, STAGES

# Fragments that steer generated text into the extractor's interesting paths.
FRAGMENTS = [
    "Китайская компания", "ТОО «Астана Агро»", "построит завод", "в Семее", "Туркестанской области",
    "стоимостью 50 млн долларов", "1,5 млрд тенге", "создано 300 рабочих мест", "меморандум",
    "Напомним,", "Кроме того,", "Alstom Co., Ltd.", "€120 млн", "полтора миллиарда", "Читайте также",
    ".", "\n", "\n\n", ", ", " — ", "«", "»", "2024 года", "запустили", "(", ")",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=40).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_never_crashes_and_evidence_is_verbatim(text):
    for record in extract_text(text, source="prop.txt"):
        assert record.kind in ("project", "indicator")
        assert record.sector in SECTORS and record.stage in STAGES
        assert record.evidence, "every record carries evidence"
        for sentence, (start, end) in zip(record.evidence, record.evidence_spans, strict=True):
            assert sentence in text
            assert text[start:end] == sentence
        if record.amount is not None:
            assert record.amount > 0 and record.currency


def test_arbitrary_unicode_and_control_characters():
    for text in ["", "\x00\x01\x02", "💥" * 1000, "ТОО «" * 200, "завод " * 2000, "\r\n" * 50]:
        extract_text(text)


def test_separate_projects_keep_their_own_figures():
    text = ("Турецкая компания «Alsera KZ» строит в Шымкенте тепличный комплекс стоимостью 322 млрд тенге.\n"
            "Польская компания «Fabe Agro» строит в Шымкенте тепличный комплекс стоимостью 137 миллионов "
            "долларов, он обеспечит работой около тысячи человек.")
    by_investor = {r.investor: r for r in extract_text(text) if r.kind == "project"}
    assert by_investor["Alsera KZ"].amount == 322e9 and by_investor["Alsera KZ"].currency == "KZT"
    assert by_investor["Fabe Agro"].amount == 137e6 and by_investor["Fabe Agro"].currency == "USD"
    assert by_investor["Alsera KZ"].investor_country == "TR"
    assert by_investor["Fabe Agro"].investor_country == "PL"
    assert by_investor["Alsera KZ"].jobs is None
    assert by_investor["Fabe Agro"].region == "KZ-79"


def test_aggregate_statistics_are_indicators_not_projects():
    text = ("В 2025 году в экономику региона привлечено 1,7 трлн тенге инвестиций.\n"
            "За год в области реализовано 58 инвестиционных проектов общей стоимостью 340 млрд тенге.")
    records = extract_text(text)
    assert not [r for r in records if r.kind == "project"]
    assert {r.amount for r in records if r.kind == "indicator"} >= {1.7e12}
