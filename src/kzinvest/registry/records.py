"""Extractor output to registry rows: a document's identities (content hash, canonical
URL), a record's USD amount and evidence offsets, the `mentions` row of a record."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kzinvest.model import Document as InDocument, Record

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|yclid|_openstat|from|ref)$")


def content_hash(text_: str) -> str:
    """Hash of the text with whitespace and Unicode form normalised (re-crawls that only
    differ in spacing are the same article)."""
    norm = " ".join(unicodedata.normalize("NFC", text_).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def canonical_url(url: str | None) -> str | None:
    """https, lower-case host without www., no fragment, no tracking parameters, sorted
    query, no trailing slash: two spellings of one page compare equal."""
    if not url or not re.match(r"(?i)^https?://", url.strip()):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))[:2000]



def usd_of(rec: Record, published: str | None = None) -> float | None:
    """The record's USD amount; converted here when the extractor left it out."""
    if rec.amount_usd is not None:
        return rec.amount_usd
    if rec.amount is None or not rec.currency:
        return None
    if rec.currency == "USD":
        return rec.amount
    try:
        from kzinvest.normalise.currency import to_usd
        return to_usd(rec.amount, rec.currency, rec.date or published)
    except Exception:
        return None


def evidence_spans(text_: str, rec: Record) -> list[dict]:
    """Evidence sentences with offsets into the stored text (the extractor's spans when it
    gives them, else the first occurrence of the sentence)."""
    out = []
    for i, sentence in enumerate(rec.evidence or []):
        start = end = None
        if i < len(rec.evidence_spans or []):
            start, end = rec.evidence_spans[i]
        elif sentence:
            pos = text_.find(sentence)
            if pos >= 0:
                start, end = pos, pos + len(sentence)
        out.append({"text": sentence, "start": start, "end": end})
    return out


# Optional record fields the registry keeps when an extractor provides them: co-investors
# named beside the investor (names, or {"name", "country", "role"} dicts), and the
# investor's parent or project company.
OPTIONAL_EXTRAS = ("co_investors", "partners", "parent", "project_company")
# Fields a record's `spans` may point at (character offsets into the stored text).
SPAN_FIELDS = ("investor", "investor_country", "region", "city", "sector", "amount", "jobs",
               "stage")


def field_spans(rec: Record, text_len: int | None = None) -> dict[str, list[int]]:
    """The record's `spans` as the registry keeps them: {field: [start, end]} for known
    fields with integer offsets, start < end (within the text when its length is given);
    anything else an extractor sends is dropped."""
    out: dict[str, list[int]] = {}
    for name, span in (getattr(rec, "spans", None) or {}).items():
        if name not in SPAN_FIELDS or not isinstance(span, (list, tuple)) or len(span) != 2:
            continue
        start, end = span
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
            continue
        if 0 <= start < end and (text_len is None or end <= text_len):
            out[name] = [start, end]
    return out


def mention_row(doc, ordinal: int, rec: Record, company_id: int | None = None) -> dict:
    """The `mentions` row of one project record (a dict for a Core insert); `doc` is
    anything with the document's id, text and published date."""
    extra = {k: v for k, v in (("product", rec.product), ("capacity", rec.capacity),
                                ("investor_aliases", rec.investor_aliases)) if v}
    for name in OPTIONAL_EXTRAS:
        value = getattr(rec, name, None)
        if value:
            extra[name] = value
    spans = field_spans(rec, len(doc.text) if getattr(doc, "text", None) is not None else None)
    if spans:
        extra["spans"] = spans
    return dict(document_id=doc.id, project_id=None, company_id=company_id, block=None,
                ordinal=ordinal, investor=rec.investor,
                investor_country=rec.investor_country, region=rec.region,
                city=rec.city, sector=rec.sector or "other", amount=rec.amount,
                currency=rec.currency, amount_usd=usd_of(rec, doc.published), jobs=rec.jobs,
                stage=rec.stage or "negotiation", date=rec.date or doc.published,
                confidence=float(rec.confidence if rec.confidence is not None else 0.5),
                evidence=evidence_spans(doc.text, rec), extra=extra)


def default_extract(doc: InDocument) -> list[Record]:
    # Looked up at call time so a replaced pipeline (tests, plugins) takes effect.
    from kzinvest import pipeline
    return pipeline.extract_document(doc)
