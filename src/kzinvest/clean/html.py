"""HTML to main text plus metadata (title, date, url).

The main text comes from trafilatura (precision first, no comments, no tables: a
table's cells joined into lines would read as sentences that are not in the page);
block elements become paragraphs separated by a blank line, <br> becomes a line
break. When trafilatura finds nothing (truncated or malformed markup, very short
pages) the text of <p> elements, else <article>, else <body> is used, with scripts,
styles, navigation, headers, footers and asides removed.

The text is the page's visible text, entities unescaped and whitespace collapsed, so
an evidence sentence from it is found in the HTML with the tags stripped.
"""
from __future__ import annotations

import logging
import re
from html import unescape

__all__ = ["html_to_text", "html_metadata"]

log = logging.getLogger(__name__)

_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLOCKS = {"p", "head", "list", "quote", "code", "div", "item", "row", "cell"}
_ISO_DATE = re.compile(r"((?:19|20)\d{2})-(\d{2})-(\d{2})")
_DATE_META = (
    "article:published_time", "og:published_time", "published_time", "datepublished",
    "date", "pubdate", "publishdate", "publish-date", "dc.date", "dc.date.issued",
    "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
    "mediator_published_time", "citation_publication_date", "date.published",
)


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


# Characters XML cannot hold: lxml parses them but then fails to move text that contains
# them (drop_tree raises ValueError). They are invisible, so they go before parsing.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _to_bytes(html: str) -> bytes:
    # lxml refuses str input that carries an XML encoding declaration.
    return _XML_BAD.sub("", html).encode("utf-8", errors="replace")


def _parse(html: str):
    from lxml import html as lhtml
    from lxml.etree import ParserError
    try:
        parser = lhtml.HTMLParser(encoding="utf-8", recover=True, remove_comments=True)
        return lhtml.document_fromstring(_to_bytes(html), parser=parser)
    except (ParserError, ValueError, TypeError) as exc:
        log.debug("lxml could not parse the page: %s", exc)
        return None


def _block_text(el) -> str:
    """Text of one trafilatura XML block; <lb/> becomes a newline."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.tag == "lb":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            if child.tag in ("list", "item") and child is not node:
                parts.append("\n")
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = [_norm(x) for x in "".join(parts).split("\n")]
    return "\n".join(x for x in lines if x)


def _trafilatura_text(html: str, url: str | None) -> str:
    try:
        import trafilatura
        from lxml import etree
    except ImportError:  # pragma: no cover - declared dependencies
        return ""
    try:
        xml = trafilatura.extract(
            html, url=url, output_format="xml", favor_precision=True,
            include_comments=False, include_tables=False, include_images=False,
            include_formatting=False, include_links=False, with_metadata=False,
            deduplicate=False)
    except Exception as exc:  # trafilatura must never take the batch down
        log.debug("trafilatura failed: %s", exc)
        return ""
    if not xml:
        return ""
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return ""
    main = root.find("main")
    if main is None:
        main = root
    paras: list[str] = []
    for el in main:
        if el.tag == "list":
            items = [_block_text(i) for i in el.iter("item")]
            paras.append("\n".join(i for i in items if i))
        elif el.tag == "table":
            continue
        else:
            paras.append(_block_text(el))
    return "\n\n".join(p for p in paras if p)


def _lxml_text(html: str) -> str:
    doc = _parse(html)
    if doc is None:
        return ""
    for bad in doc.xpath("//script|//style|//noscript|//nav|//header|//footer|//aside"
                         "|//form|//iframe|//svg|//template|//select|//button"):
        parent = bad.getparent()
        if parent is not None:
            bad.drop_tree()
    paras = [_norm(p.text_content()) for p in doc.xpath("//h1|//p")]
    paras = [p for p in paras if p]
    if sum(len(p) for p in paras) >= 80 or (paras and not doc.xpath("//article|//body")):
        return "\n\n".join(_dedupe(paras))
    for xpath in ("//article", "//main", "//body", "/*"):
        found = doc.xpath(xpath)
        if found:
            lines = [_norm(x) for x in "\n".join(found[0].itertext()).split("\n")]
            text = "\n".join(x for x in lines if x)
            if text:
                return text
    return "\n\n".join(paras)


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    m = _ISO_DATE.search(value)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    m = re.search(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})\b", value)
    if m:
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return None


def html_metadata(html: str, url: str | None = None) -> dict:
    """title, date (YYYY-MM-DD) and url of a page; missing values are None."""
    meta: dict = {"title": None, "date": None, "url": url}
    doc = _parse(html)
    if doc is not None:
        try:
            for m in doc.xpath("//meta[@content]"):
                key = (m.get("property") or m.get("name") or m.get("itemprop") or "").lower()
                if key in _DATE_META and not meta["date"]:
                    meta["date"] = _iso(m.get("content"))
                elif key in ("og:url",) and not meta["url"]:
                    meta["url"] = m.get("content").strip() or None
            if not meta["date"]:
                for t in doc.xpath("//time[@datetime]|//*[@itemprop='datePublished']"):
                    meta["date"] = _iso(t.get("datetime") or t.get("content") or t.text_content())
                    if meta["date"]:
                        break
            h1 = [_norm(h.text_content()) for h in doc.xpath("//h1")]
            h1 = [h for h in h1 if h]
            if len(h1) == 1:
                meta["title"] = h1[0]
            if not meta["url"]:
                canon = doc.xpath("//link[@rel='canonical']/@href")
                if canon and canon[0].strip():
                    meta["url"] = canon[0].strip()
        except Exception as exc:  # odd markup must not stop the batch
            log.debug("metadata lookup failed: %s", exc)
    if not meta["title"] or not meta["date"]:
        try:
            import trafilatura
            tm = trafilatura.extract_metadata(html, default_url=url)
        except Exception as exc:
            log.debug("trafilatura metadata failed: %s", exc)
            tm = None
        if tm is not None:
            meta["title"] = meta["title"] or (_norm(tm.title) if tm.title else None)
            meta["date"] = meta["date"] or _iso(tm.date)
            meta["url"] = meta["url"] or tm.url
    if not meta["title"] and doc is not None:
        titles = doc.xpath("//title")
        if titles:
            meta["title"] = _norm(titles[0].text_content()) or None
    return meta


def html_to_text(html: str, url: str | None = None) -> tuple[str, dict]:
    """Main text of an HTML page ("\\n\\n" between paragraphs) and its metadata."""
    if not html or not html.strip():
        return "", {"title": None, "date": None, "url": url}
    text = _trafilatura_text(html, url)
    if not text.strip():
        text = _lxml_text(html)
    if not text.strip() and "<" not in html:
        text = _norm(unescape(html))
    meta = html_metadata(html, url)
    title = meta.get("title")
    if title and text and not text.lstrip().startswith(title):
        # The headline is visible on the page; put it first, as in plain-text input,
        # when trafilatura left it out.
        if re.search(re.escape(title), _norm(_strip_tags(html))):
            text = title + "\n\n" + text
    return text, meta


def _strip_tags(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html)
    return unescape(re.sub(r"<[^>]*>", " ", html))
