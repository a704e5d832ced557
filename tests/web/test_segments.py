"""pages.segments: the article text cut into evidence runs and field-span parts, so that
each evidence run is one <mark> and field spans nest inside it (table-driven)."""
from __future__ import annotations

import re

import pytest

from kzinvest.web.pages import highlight, segments

T = "abcdefghij"          # offsets 0..10

# (name, evidence spans, field spans, expected [(is_evidence, [(piece, fields)])])
CASES = [
    ("nothing", [], [], [(False, [(T, ())])]),
    ("evidence only", [(2, 4)], [],
     [(False, [("ab", ())]), (True, [("cd", ())]), (False, [("efghij", ())])]),
    ("field only", [], [("amount", 3, 5)],
     [(False, [("abc", ()), ("de", ("amount",)), ("fghij", ())])]),
    ("field inside evidence", [(1, 8)], [("jobs", 3, 5)],
     [(False, [("a", ())]), (True, [("bc", ()), ("de", ("jobs",)), ("fgh", ())]),
      (False, [("ij", ())])]),
    ("field crossing the start of the evidence is cut there", [(4, 8)], [("amount", 2, 6)],
     [(False, [("ab", ()), ("cd", ("amount",))]), (True, [("ef", ("amount",)), ("gh", ())]),
      (False, [("ij", ())])]),
    ("field covering the whole evidence and more", [(3, 5)], [("stage", 1, 9)],
     [(False, [("a", ()), ("bc", ("stage",))]), (True, [("de", ("stage",))]),
      (False, [("fghi", ("stage",)), ("j", ())])]),
    ("overlapping fields: each piece names every field covering it, in field order",
     [], [("stage", 0, 6), ("amount", 4, 8), ("investor", 2, 5)],
     [(False, [("ab", ("stage",)), ("cd", ("investor", "stage")),
               ("e", ("investor", "amount", "stage")), ("f", ("amount", "stage")),
               ("gh", ("amount",)), ("ij", ())])]),
    ("identical spans of two fields", [], [("city", 2, 4), ("region", 2, 4)],
     [(False, [("ab", ()), ("cd", ("region", "city")), ("efghij", ())])]),
    ("adjacent fields stay apart", [], [("amount", 0, 3), ("jobs", 3, 6)],
     [(False, [("abc", ("amount",)), ("def", ("jobs",)), ("ghij", ())])]),
    ("overlapping evidence merges into one run", [(2, 4), (3, 6)], [("amount", 5, 7)],
     [(False, [("ab", ())]), (True, [("cde", ()), ("f", ("amount",))]),
      (False, [("g", ("amount",)), ("hij", ())])]),
    ("spans outside the text are ignored, ends past it clipped", [(8, 30)],
     [("amount", 10, 12), ("jobs", -3, 2), ("stage", 12, 20), ("region", 7, 99)],
     [(False, [("abcdefg", ()), ("h", ("region",))]), (True, [("ij", ("region",))])]),
    ("empty, reversed and non-integer spans are ignored", [(None, 3), (5, 1)],
     [("amount", 4, 4), ("jobs", 6, 2), ("stage", "1", "3"), ("sector", 1.0, 3.0),
      ("city", True, 3), ("region", None, None)],
     [(False, [(T, ())])]),
    ("odd field names are dropped", [],
     [('x" onmouseover="alert(1)', 0, 3), ("<b>", 0, 3), ("amount", 0, 1)],
     [(False, [("a", ("amount",)), ("bcdefghij", ())])]),
    ("field at the very end", [(0, 10)], [("jobs", 9, 10)],
     [(True, [("abcdefghi", ()), ("j", ("jobs",))])]),
]


@pytest.mark.parametrize("name,evidence,fields,expect", CASES, ids=[c[0] for c in CASES])
def test_segments(name, evidence, fields, expect):
    got = segments(T, evidence, fields)
    assert got == expect
    # the pieces always put the text back together, and the runs match highlight()'s
    assert "".join(p for _, parts in got for p, _ in parts) == T
    assert [(("".join(p for p, _ in parts)), ev) for ev, parts in got] == highlight(T, evidence)
    # no empty piece, and no two neighbours with the same fields inside a run
    for _, parts in got:
        assert all(p for p, _ in parts)
        assert all(a[1] != b[1] for a, b in zip(parts, parts[1:]))


def test_segments_of_empty_text():
    assert segments("", [(0, 3)], [("amount", 0, 2)]) == []


def test_segments_on_real_text():
    text = "ПАО «КАМАЗ» построит завод. Объём инвестиций — 185,6 млрд тенге."
    amount = text.index("185,6")
    got = segments(text, [(0, text.index(".") + 1)],
                   [("investor", 5, 10), ("amount", amount, amount + len("185,6 млрд тенге"))])
    marked = [p for ev, parts in got if ev for p, f in parts if f]
    unmarked = [p for ev, parts in got if not ev for p, f in parts if f]
    assert marked == ["КАМАЗ"] and unmarked == ["185,6 млрд тенге"]


def test_project_page_nests_field_spans_in_marks(client, ids):
    html = client.get(f"/projects/{ids['kamaz']}").text
    article = re.search(r'<div class="article">(.*?)</div>', html, re.S).group(1)
    # well nested: every <mark> closes after the spans it opened
    depth = []
    for m in re.finditer(r"<(/?)(mark|span)\b", article):
        if m.group(1):
            assert depth and depth.pop() == m.group(2)
        else:
            depth.append(m.group(2))
    assert depth == []
    assert '<span class="fs" data-field="amount">185,6 млрд тенге</span>' in article
    assert '<span class="fs" data-field="region city stage">Костанайской области</span>' in article
    assert article.startswith('<mark>ПАО «<span class="fs" data-field="investor">КАМАЗ</span>»')
    # every row of the fields table names its field; rows with words in the text are focusable
    rows = dict(re.findall(r'<tr data-field="(\w+)"([^>]*)>', html))
    assert {"investor", "amount", "amount_usd", "jobs", "confidence", "health"} <= set(rows)
    assert 'data-span="amount"' in rows["amount"] and 'tabindex="0"' in rows["amount"]
    assert 'data-span="amount"' in rows["amount_usd"]
    assert "tabindex" not in rows["health"] and "tabindex" not in rows["investor_country"]
    assert '<script src="/static/fields.js" defer></script>' in html
    assert "93" in re.search(r'data-field="confidence".*?</tr>', html, re.S).group(0)


def test_project_without_spans_has_no_field_markup(client, ids):
    html = client.get(f"/projects/{ids['mirny']}").text
    assert 'class="fs"' not in html and "data-span=" not in html and 'id="spans-note"' not in html
    assert html.count("<mark>") == 1


def test_field_spans_over_markup_stay_text(client, ids):
    from . import dataset
    html = client.get(f"/projects/{ids['xss']}").text
    article = re.search(r'<div class="article">(.*?)</div>', html, re.S).group(1)
    assert "<script" not in article and "<img" not in article
    assert ('<span class="fs" data-field="sector">&lt;script&gt;window.__xss = 1; '
            "alert(&#39;xss&#39;)&lt;/script&gt;</span>") in article
    assert '<span class="fs" data-field="jobs">&lt;img src=&#34;x&#34;' in article
    assert '<span class="fs" data-field="amount">150 млн долларов</span>' in article
    assert dataset.XSS_SCRIPT not in html
