"""Article extraction from raw HTML bytes: charset, trafilatura, dates, language (no Scrapy).

:func:`extract_page` is a pure function of its arguments, run in worker processes by
:mod:`crawler.articles.pool`. It returns an :class:`ExtractionResult`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import charset_normalizer
from lxml import etree
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from crawler.articles._speedups import lend_tree, speed_up_trafilatura, speedups_state
from crawler.articles.boilerplate import RULES_DIGEST, clean_text
from crawler.articles.comments import reader_comments
from crawler.articles.dates import (
    date_marks,
    modified_date,
    normalise_date,
    publication_source,
)
from crawler.articles.language import detect_language
from crawler.articles.neardup import features, simhash

__all__ = [
    "EXTRACTOR_NAME",
    "ExtractOptions",
    "ExtractionResult",
    "decode_html",
    "extract_page",
    "extractor_info",
    "parse_html",
]

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "trafilatura"
_ARTICLE_TYPES = ("article", "newsarticle", "blogposting", "reportagenewsarticle")


@dataclass(frozen=True)
class ExtractOptions:
    """How pages are extracted. Part of every article's ``extractor.config_hash``."""

    fast: bool = True
    """trafilatura's fast mode first: no fallback extractors (readability, jusText)."""
    fallback_below: int = 0
    """A fast-mode text shorter than this (characters) is extracted again with trafilatura's
    fallback extractors (readability, jusText), which find what the fast mode missed on
    short or unusual pages. 0 (the default): never. Measured on DEV at 800: trafilatura-eval
    F1 0.929 to 0.930, scrapinghub-aeb unchanged, for 2-3 extractions' CPU on each short
    page (7-15% more extraction CPU on AEB) and 60 MB more in the workers: off by default
    (docs/benchmarks.md)."""
    unicode_form: Literal["NFC", "NFKC", "NFD", "NFKD"] = "NFC"
    """Unicode normalisation of the text and title, as trafilatura's ``extract()`` does (the
    WARC keeps the page's own bytes)."""
    include_comments: bool = False
    """Reader comments are never article text."""
    comments: bool = False
    """Reader comments of articles in their own field (:mod:`crawler.articles.comments`):
    a second pass over articles that may hold some, about a tenth more extraction CPU
    (``bench/comments_identity.py``)."""
    include_tables: bool = True
    favor_precision: bool = False
    max_html_bytes: int = 5_000_000
    """Larger pages are cut to this size before parsing (the WARC keeps the whole page)."""
    min_article_chars: int = 200
    """Shorter main texts are not articles (section pages, galleries, error pages)."""
    speedups: bool = True
    """Use :mod:`crawler.articles._speedups` (same output, less CPU) when the installed
    trafilatura and lxml are the tested ones. Not in the config hash: it changes no output."""

    @property
    def config_hash(self) -> str:
        options = {k: v for k, v in asdict(self).items() if k != "speedups"}
        options["text_filter"] = RULES_DIGEST  # the boilerplate lines dropped after trafilatura
        canonical = json.dumps(options, sort_keys=True)
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ExtractionResult:
    """What extraction found in one page (fields of :class:`crawler.articles.model.Article`)."""

    is_article: bool
    """Whether the page is an article (enough main text; a date or an article type)."""
    reason: str | None
    """Why it is not an article (None when it is)."""
    encoding: str
    """Character encoding the page was decoded with."""
    published: str | None = None
    """Publication date, ``YYYY-MM-DD`` (also looked for in pages that are not articles)."""
    published_source: str | None = None
    """Where the date was found (``json-ld``, ``meta``, ``url``, ``feed``...)."""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    modified: str | None = None
    language: str | None = None
    language_source: str | None = None
    text: str = ""
    comments: str = ""
    """Reader comments (only when asked for, and only of articles)."""
    description: str | None = None
    site_name: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    page_type: str | None = None
    """The type the page declares (``og:type``, JSON-LD ``@type``), lower case."""
    classification: str = ""
    """Why it is taken for an article (empty when it is not one)."""
    features: list[int] = field(default_factory=list)
    """Sampled text features for near-duplicate detection."""
    fingerprint: str | None = None
    """64-bit SimHash of the text, 16 hex digits."""


def extractor_info(options: ExtractOptions) -> dict[str, str]:
    return {
        "name": EXTRACTOR_NAME,
        "version": importlib.metadata.version("trafilatura"),
        "config_hash": options.config_hash,
        "speedups": speedups_state(options.speedups),
    }


_NON_LATIN_WEB = frozenset(
    [
        "cp1251",
        "koi8_r",
        "koi8_u",
        "iso8859_5",
        "cp1253",
        "iso8859_7",
        "cp1255",
        "iso8859_8",
        "cp1256",
        "iso8859_6",
        "cp874",
        "tis_620",
        "shift_jis",
        "cp932",
        "euc_jp",
        "iso2022_jp",
        "euc_kr",
        "cp949",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
        "big5hkscs",
        "utf_16",
        "utf_16_le",
        "utf_16_be",
    ]
)


def _detect(body: bytes) -> str | None:
    """Detection for undeclared pages: UTF-8 if valid; a non-Latin web encoding when
    charset-normalizer finds one (Cyrillic, Greek, CJK...); otherwise windows-1252, the web's
    default for Western European pages (DOS and Baltic code pages are never the answer)."""
    sample = body[:200_000]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and best.encoding in _NON_LATIN_WEB:
        return str(best.encoding)
    return "cp1252"


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Text and encoding: HTTP header first, then BOM, then ``<meta>``, then detection."""
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    return text, encoding


def _parser() -> Any:
    """trafilatura's HTML parser options, with lxml's C-level class lookup: every element is
    an ``HtmlElement`` (what trafilatura expects), without ``lxml.html``'s Python callback
    per element (~6% of extraction time; form elements lose their form-specific methods,
    which trafilatura never calls)."""
    parser = lxml_html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=lxml_html.HtmlElement,
            comment=lxml_html.HtmlComment,
            pi=lxml_html.HtmlProcessingInstruction,
            entity=lxml_html.HtmlEntity,
        )
    )
    return parser


_PARSER = _parser()


def parse_html(html: str, speedups: bool = True) -> Any:
    """The document tree, as ``trafilatura.utils.load_html`` builds it from text (same
    repairs, same fallback to bytes, same rejection of non-HTML), or None."""
    from trafilatura.utils import is_dubious_html, repair_faulty_html

    speed_up_trafilatura(speedups)  # once per process; covers repair_faulty_html
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    try:
        tree = lxml_html.fromstring(html, parser=_PARSER)
    except ValueError:  # a string with an XML encoding declaration: parse its bytes
        tree = None
    except etree.ParserError:
        return None
    if tree is None or len(tree) < 1:
        try:
            tree = lxml_html.fromstring(html.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except (ValueError, etree.ParserError):
            return None
    if is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _declared_language(tree: Any, content_language: str | None) -> str | None:
    """``<html lang>``, then ``og:locale``, then ``<meta http-equiv=content-language>``, then
    the ``Content-Language`` header (one pass over the page's meta elements)."""
    root = tree.getroottree().getroot()
    og_locale = http_equiv = None
    for meta in root.iter("meta"):
        if og_locale is None and meta.get("property") == "og:locale":
            og_locale = meta.get("content")
        elif http_equiv is None and (meta.get("http-equiv") or "").lower() == "content-language":
            http_equiv = meta.get("content")
    xml_lang = root.get("{http://www.w3.org/XML/1998/namespace}lang")
    for value in (root.get("lang"), xml_lang, og_locale, http_equiv, content_language):
        code = (value or "").strip().replace("_", "-").split("-")[0].lower()
        if len(code) == 2 and code.isalpha():
            return code
    return None


def _date_without_text(html: str, url: str) -> str | None:
    """htmldate's date for a page trafilatura found no text in (same search as with text)."""
    from htmldate import find_date

    try:
        found: str | None = find_date(html, url=url, extensive_search=True, original_date=True)
    except Exception as exc:  # htmldate on a malformed page: no date, said in the log
        logger.warning("%s: htmldate failed, no date: %r", url, exc)
        return None
    return found


def _split_authors(author: str | None) -> list[str]:
    if not author:
        return []
    return [a.strip() for a in author.replace(" and ", ";").split(";") if a.strip()]


@functools.cache
def _bare_extraction(speedups: bool) -> Callable[..., Any]:
    """trafilatura's extractor, made cheaper with the same results
    (:mod:`crawler.articles._speedups`) the first time a process needs it, when wanted."""
    from trafilatura import bare_extraction

    speed_up_trafilatura(speedups)
    return bare_extraction


def _extract_tree(
    tree: Any, url: str, options: ExtractOptions, fast: bool, metadata: bool = True
) -> Any:
    return _bare_extraction(options.speedups)(
        tree,
        url=url,
        fast=fast,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
        favor_precision=options.favor_precision,
        with_metadata=metadata,
    )


def _text_of(doc: Any) -> str:
    if doc is None:
        return ""
    text = doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", None)
    return str(text or "")


def extract_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    content_language: str | None = None,
    listed_date: str | None = None,
    listed_kind: str | None = None,
    options: ExtractOptions | None = None,
) -> ExtractionResult:
    """Extract one page. Never raises on bad HTML: the result says why it is not an article."""
    options = options or ExtractOptions()
    html, encoding = decode_html(body[: options.max_html_bytes], content_type)
    tree = parse_html(html, options.speedups)
    if tree is None:
        return ExtractionResult(False, "not parseable as HTML", encoding)
    declared_language = _declared_language(tree, content_language)
    marks = date_marks(tree)
    modified = modified_date(marks)
    # trafilatura prunes a lent tree: lent unless the reader comments are looked for in it
    with lend_tree(None if options.comments else tree):
        doc = _extract_tree(tree, url, options, options.fast)
    fallback_text = None
    if options.fast and options.fallback_below and len(_text_of(doc)) < options.fallback_below:
        # the fallback extractors on a fresh tree; the metadata already found is kept
        again = parse_html(html, options.speedups)
        if again is not None:
            with lend_tree(again):
                fuller = _extract_tree(again, url, options, fast=False, metadata=doc is None)
            if doc is None:
                doc = fuller
            elif _text_of(fuller):
                fallback_text = _text_of(fuller)
    if doc is None:
        published = _date_without_text(html, url) or normalise_date(listed_date)
        return ExtractionResult(False, "no main text found", encoding, published=published)
    meta = doc if isinstance(doc, dict) else doc.as_dict()
    if fallback_text is not None:
        meta["text"] = fallback_text
    text = unicodedata.normalize(options.unicode_form, clean_text(meta.get("text") or ""))
    title = meta.get("title")
    if title:
        title = unicodedata.normalize(options.unicode_form, title)
    published = normalise_date(meta.get("date"))
    if published is None and listed_date:
        published = normalise_date(listed_date)
    source = None
    if published:
        source = publication_source(published, marks, url, listed_date, listed_kind)
    language = declared_language or detect_language(text)
    reason = None
    page_type = meta.get("pagetype")
    if len(text) < options.min_article_chars:
        reason = "main text too short"
    elif published is None and page_type not in _ARTICLE_TYPES:
        reason = "no date and not declared an article (front or section page?)"
    classification = ""
    if reason is None:
        classification = (
            f"declared {page_type}" if page_type in _ARTICLE_TYPES else ("main text and a date")
        )
    comments = ""
    if options.comments and reason is None:
        found = reader_comments(tree, url, options.fast, options.include_tables)
        # the text's boilerplate filter too: a comment form's "Laisser un commentaire" is not one
        comments = unicodedata.normalize(options.unicode_form, clean_text(found))
    sampled = features(text)
    return ExtractionResult(
        is_article=reason is None,
        reason=reason,
        encoding=encoding,
        title=title,
        authors=_split_authors(meta.get("author")),
        canonical_url=meta.get("url"),
        published=published,
        published_source=source,
        modified=modified,
        language=language,
        language_source=("declared" if declared_language else "detected") if language else None,
        text=text,
        comments=comments,
        description=meta.get("description"),
        site_name=meta.get("sitename"),
        categories=list(meta.get("categories") or []),
        tags=list(meta.get("tags") or []),
        page_type=page_type,
        classification=classification,
        features=sampled,
        fingerprint=f"{simhash(sampled):016x}",
    )
