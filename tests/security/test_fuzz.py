"""Fuzzing decode, clean and extract with Hypothesis: 2,000 generated hostile inputs in all
(benchmarks/fuzz.py runs 100,000 and more). Derandomised, so CI sees the same inputs on every
run; the benchmark explores new ones."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import hostile

CI = dict(deadline=None, derandomize=True, database=None, print_blob=True,
          suppress_health_check=list(HealthCheck))
COUNTS = {"decode": 800, "clean": 600, "pipeline": 600}     # 2,000 inputs


@settings(max_examples=COUNTS["decode"], **CI)
@given(hostile.raw_bytes)
def test_decode_never_raises_anything_but_input_error(data):
    hostile.check_decode(data)


@settings(max_examples=COUNTS["clean"], **CI)
@given(st.one_of(hostile.html.map(lambda h: (h, "html")), hostile.texts.map(lambda t: (t, "text"))))
def test_clean_survives_hostile_markup(case):
    hostile.check_clean(*case)


@settings(max_examples=COUNTS["pipeline"], **CI)
@given(st.one_of(hostile.texts, hostile.raw_bytes, hostile.html.map(lambda h: ("html", h))))
def test_whole_pipeline_keeps_evidence_verbatim(case):
    if isinstance(case, tuple):
        hostile.check_pipeline(case[1], "html")
    else:
        hostile.check_pipeline(case, "text")


def test_the_count_is_two_thousand():
    assert sum(COUNTS.values()) == 2000
