"""Pydantic models of a crawl job: what to fetch, how politely, and where the archive goes.

A job file (YAML) is validated into :class:`Job`; nothing downstream reads raw YAML.
Sizes accept bytes or units (``20MB``, ``1GiB``);
durations accept seconds or ``90s``/``30m``/``2h``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "DEFAULT_RESPONSE_BYTES",
    "DEFAULT_STORAGE",
    "DEFAULT_WARC_SIZE",
    "MAX_DELAY",
    "ArchiveSource",
    "Focus",
    "Identity",
    "Job",
    "Limits",
    "Politeness",
    "Safety",
    "Scope",
    "Seeds",
    "Topic",
    "WarcOptions",
    "Window",
    "parse_duration",
    "parse_size",
]

DEFAULT_RESPONSE_BYTES = 20 * 1000**2
"""Cap on one response body, raw and decoded (``limits.response_bytes``)."""
DEFAULT_WARC_SIZE = 1000**3
"""Size at which a WARC file is closed and the next one opened (``warc.max_size``)."""
DEFAULT_STORAGE = "file://./archive"
MAX_DELAY = 120.0
"""Longest politeness delay (seconds): a crawl's duration limit and a cancel must still stop
it promptly (a request waits its delay before it can be dropped)."""
"""Where archives go when neither the job, the command nor the environment says."""

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_size(value: Any) -> int:
    """Bytes from an int or a string such as ``20MB``, ``512 KiB`` or ``1GB``."""
    if isinstance(value, bool):
        raise ValueError("a size is a number of bytes or a string like '20MB'")
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(
            f"{value!r} is not a size: use bytes or units B, KB, MB, GB, KiB, MiB, GiB"
        )
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as ``90s``, ``30m``, ``2h`` or ``1d``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '30m'")
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match.group(2).lower() not in _DURATION_UNITS:
        raise ValueError(f"{value!r} is not a duration: use seconds or units s, m, h, d")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return pattern


def _check_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", domain):
        raise ValueError(f"{domain!r} is not a domain name (no scheme, no path: 'lemonde.fr')")
    return domain


def _check_network(network: str) -> str:
    try:
        return str(ipaddress.ip_network(network, strict=False))
    except ValueError as exc:
        raise ValueError(f"{network!r} is not an IP network (e.g. '127.0.0.1/32'): {exc}") from exc


Size = Annotated[int, BeforeValidator(parse_size), Field(gt=0)]
Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0, allow_inf_nan=False)]
Pattern = Annotated[str, AfterValidator(_check_regex)]
Domain = Annotated[str, AfterValidator(_check_domain)]
Network = Annotated[str, AfterValidator(_check_network)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ArchiveApi = Literal["wayback", "pywb"]


class ArchiveSource(_Strict):
    """A web archive's capture index (CDX server), searched for the outlets' past pages.

    Pages found there are fetched live from the outlet; when the live page is gone (404, 410)
    the archive's own copy is fetched from its replay, in raw mode, and archived as what it is.
    """

    name: str = Field(min_length=1, pattern=r"^[\w.\-]+$")
    """Short name, written into the records and articles that come from this archive."""
    cdx: AnyHttpUrl
    """The CDX endpoint: ``https://web.archive.org/cdx/search/cdx``, a pywb collection's
    ``.../<coll>/cdx``, a Common Crawl index (``https://index.commoncrawl.org/CC-MAIN-...``)."""
    api: ArchiveApi = "wayback"
    """``wayback`` (JSON rows, first row the field names; paged with ``resumeKey``) or
    ``pywb`` (JSON lines: pywb, Common Crawl, this service's ``/cdx``; paged with ``page``
    when the server gives ``showNumPages``, else one answer)."""
    replay: str | None = None
    """Raw replay URL, ``{timestamp}`` and ``{url}`` filled in: the Wayback Machine's
    ``https://web.archive.org/web/{timestamp}id_/{url}``; None: candidates only, no copies."""
    urls: list[str] = Field(min_length=1)
    """What to ask for: URL prefixes (``https://www.lemonde.fr/international/``) or domains
    (``lemonde.fr``, with ``match: domain``)."""
    match: Literal["exact", "prefix", "host", "domain"] = "prefix"
    """The CDX ``matchType`` of every entry of ``urls``."""
    max_captures: int = Field(default=20_000, ge=1, le=1_000_000)
    """Captures read per entry of ``urls`` at most (the rest is counted, not read)."""
    page_size: int = Field(default=5_000, ge=1, le=150_000)
    """Captures asked for per request (``limit``)."""

    @field_validator("replay")
    @classmethod
    def _replay_template(cls, template: str | None) -> str | None:
        if template is not None and not ("{timestamp}" in template and "{url}" in template):
            raise ValueError("a replay URL holds {timestamp} and {url}")
        if template is not None and not template.startswith(("http://", "https://")):
            raise ValueError("a replay URL is an http(s) URL")
        return template


class Seeds(_Strict):
    """Where discovery starts. Every seed is archived too (feeds and sitemaps included)."""

    start_pages: list[AnyHttpUrl] = []
    """Home and section pages: listings; their links are followed within scope, and their
    pagination (``rel=next``, ``?page=N``, ``/page/N/``) beyond ``max_depth``."""
    listings: list[AnyHttpUrl] = []
    """Tag, topic and section pages, followed like start pages: newest to oldest, page by
    page, until a page lists only items older than ``window.from`` or ``scope.listing_pages``
    pages were read."""
    feeds: list[AnyHttpUrl] = []
    """RSS 2.0 or Atom 1.0 feeds: every item link is fetched."""
    sitemaps: list[AnyHttpUrl] = []
    """Sitemaps, sitemap indexes (followed: monthly or daily archives too), gzip sitemaps and
    Google News sitemaps."""
    archives: list[ArchiveSource] = []
    """Web archives' capture indexes searched for the outlets' past pages."""
    sitemaps_from_robots: bool = False
    """Also read the ``Sitemap:`` lines of the robots.txt of every host the other seeds are
    on, and follow those sitemaps (monthly archives behind an index, within the window)."""


class Scope(_Strict):
    """Which discovered URLs are fetched."""

    domains: list[Domain] = []
    """Registrable domains in scope, subdomains included; empty: the seeds' hosts."""
    include: list[Pattern] = []
    """Regular expressions (``re.search``); when given, a URL must match one of them."""
    exclude: list[Pattern] = []
    """Regular expressions; a URL matching any is never fetched."""
    max_depth: int = Field(default=2, ge=0)
    """Link hops from a start page (feed and sitemap entries are depth 1; the pages of a
    listing's pagination have the depth of its first page)."""
    listing_pages: int = Field(default=30, ge=1, le=10_000)
    """Pages of one listing's pagination followed at most."""


class Limits(_Strict):
    """When the crawl stops, and how much one response may weigh."""

    pages: int = Field(default=10_000, ge=0)
    """Responses to fetch before stopping (0: no limit)."""
    duration: Duration = 3600.0
    """Wall-clock seconds before a clean stop (0: no limit)."""
    response_bytes: Size = DEFAULT_RESPONSE_BYTES
    """Cap on one response body, raw and decompressed; larger ones are cut and marked truncated."""
    download_timeout: Duration = 60.0
    """Seconds for one download; a response still arriving then is cut and marked truncated."""


class Politeness(_Strict):
    """How hard the crawl may press on each site."""

    delay: Annotated[Duration, Field(le=MAX_DELAY)] = 1.0
    """Seconds between two requests to the same domain (randomised 0.5x-1.5x)."""
    concurrency_per_domain: int = Field(default=2, ge=1, le=16)
    """Requests in flight to one domain at once."""
    obey_robots: bool = True
    """Honour robots.txt (archived too). Turning this off is recorded in every warcinfo."""


class Identity(_Strict):
    """Who is crawling: sent in the User-Agent and written into every warcinfo record."""

    archive: str = Field(default="news-archive-crawler", min_length=1, pattern=r"^[\w.\-/ ]+$")
    """Name of the archive, the product token of the User-Agent."""
    contact_url: AnyHttpUrl = AnyHttpUrl("https://github.com/news-archive/crawler")
    """Where site owners learn about the crawl and reach its operator."""
    operator: str = Field(default="unknown operator", pattern=r"^[^\x00-\x1f\x7f]*$")
    """Person or institution running the crawl (warcinfo ``operator``); one line, no control
    characters (it goes into every warcinfo record)."""

    @property
    def user_agent(self) -> str:
        """The User-Agent header: names the archive and the contact URL."""
        return f"Mozilla/5.0 (compatible; {self.archive}; +{self.contact_url})"


class Safety(_Strict):
    """Which addresses the crawler may connect to."""

    allow_private_addresses: bool = False
    """Allow private, loopback, link-local and cloud-metadata addresses (never on by default)."""
    allowed_networks: list[Network] = []
    """Networks allowed even though private (e.g. ``127.0.0.1/32`` for a local test site)."""


class WarcOptions(_Strict):
    """How WARC files are written."""

    prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_.\-]*$")
    """File name prefix; empty: the job name."""
    max_size: Size = DEFAULT_WARC_SIZE
    """Rotate to a new file once this many (compressed) bytes are written."""


class Extraction(_Strict):
    """What is extracted from article pages besides their text and metadata."""

    comments: bool = False
    """Reader comments in the article's ``comments`` field (never in its text), as
    trafilatura finds them with ``include_comments=True``. Off by default: a second pass over
    articles that may hold comments, about a tenth more extraction CPU
    (``bench/comments_identity.py``)."""


class Topic(_Strict):
    """The subject of the coverage, scored on title and text (``crawler/relevance.py``)."""

    name: str
    """Human-readable name of the topic."""
    strong_terms: dict[str, list[str]] = Field(default={}, validate_default=True)
    """Phrases specific to the topic, per language code; weight 3. ``word*`` matches a prefix."""
    terms: dict[str, list[str]] = {}
    """Names, places and aliases that support it, per language code; weight 1."""
    threshold: float = Field(default=6.0, ge=0)
    """Score at or above which an article is on topic (a strong term must match too)."""

    @field_validator("strong_terms")
    @classmethod
    def _has_strong_terms(cls, terms: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(terms.values()):
            raise ValueError("give at least one strong term: without one nothing is on topic")
        return terms


class Window(_Strict):
    """The publication dates the coverage is about; either end may stay open."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    start: date | None = Field(default=None, alias="from")
    """First day (``from: 2024-06-15``), inclusive."""
    end: date | None = Field(default=None, alias="to")
    """Last day (``to: 2025-01-31``), inclusive."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")
        return self

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def overlaps(self, first: date, last: date) -> bool:
        """Whether days ``first`` to ``last`` (a month, say) meet the window."""
        return (self.start is None or last >= self.start) and (
            self.end is None or first <= self.end
        )


Focus = Literal["prefer", "only", "off"]


class Job(_Strict):
    """A crawl job, as written in ``settings/jobs/*.yaml``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]{0,62}$")
    """Short identifier: lower-case letters, digits, ``-`` and ``_``."""
    description: str = ""
    seeds: Seeds
    scope: Scope = Scope()
    limits: Limits = Limits()
    politeness: Politeness = Politeness()
    identity: Identity = Identity()
    safety: Safety = Safety()
    warc: WarcOptions = WarcOptions()
    extraction: Extraction = Extraction()
    storage: str = DEFAULT_STORAGE
    """``file://PATH`` (a local folder) or ``s3://bucket/prefix``."""
    topic: Topic | None = None
    window: Window = Window()
    """Publication dates of the coverage. Candidates whose date is known outside it (sitemap,
    feed, URL, listing) are not fetched; articles dated outside it are archived but are not
    coverage (``in_window: false``)."""
    focus: Focus | None = None
    """How candidates are chosen before fetching, from what is known of them (URL words,
    link text, a feed's or news sitemap's title) scored with the topic's terms: ``prefer``
    (the default with a topic) fetches every candidate in scope, likeliest first; ``only``
    fetches listings, candidates with evidence (a strong term, or two different terms) and
    the links of pages found on topic; ``off`` (the default without a topic) fetches all in
    discovery order."""
    follow_on_topic: int = Field(default=1, ge=0, le=5)
    """With ``focus: only``: link levels followed from a page found on topic whatever the
    links say (related-article blocks are how coverage links to coverage)."""
    only_new: bool = False
    """Incremental runs (under the service): pages this job captured before are asked for
    with ``If-None-Match``/``If-Modified-Since``; a ``304`` or an identical payload is
    archived as a revisit of the earlier capture and not extracted again. Seeds are always
    fetched in full."""

    @field_validator("seeds")
    @classmethod
    def _has_seeds(cls, seeds: Seeds) -> Seeds:
        if not (seeds.start_pages or seeds.feeds or seeds.sitemaps):
            raise ValueError("give at least one start page, feed or sitemap")
        return seeds

    @model_validator(mode="after")
    def _focus_needs_a_topic(self) -> Self:
        if self.focus in ("prefer", "only") and self.topic is None:
            raise ValueError(f"focus: {self.focus} scores candidates with the topic: give a topic")
        return self

    @property
    def focus_mode(self) -> Focus:
        """``focus`` as given, else ``prefer`` with a topic and ``off`` without."""
        return self.focus or ("prefer" if self.topic else "off")

    @field_validator("storage")
    @classmethod
    def _storage_scheme(cls, url: str) -> str:
        if not re.match(r"^(file://.+|s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?)$", url):
            raise ValueError(f"{url!r}: storage is 'file://PATH' or 's3://bucket[/prefix]'")
        return url

    def unsafe_seeds(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Seeds the crawler would refuse by address (``(field path, reason)``), no DNS asked.

        IP literals are checked against the job's safety policy, and so are ``localhost``
        names; other host names are checked at crawl time, after resolution.
        """
        from crawler.jobs.addresses import AddressPolicy, UnsafeURLError

        policy = AddressPolicy.from_strings(
            self.safety.allow_private_addresses, list(self.safety.allowed_networks)
        )
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for kind in ("start_pages", "feeds", "sitemaps"):
            for i, url in enumerate(getattr(self.seeds, kind)):
                host = (url.host or "").rstrip(".").lower()
                if host == "localhost" or host.endswith(".localhost"):
                    refusal = policy.address_refusal("127.0.0.1")
                    if refusal:
                        problems.append((("seeds", kind, i), f"{host}: {refusal}"))
                    continue
                try:
                    policy.check_url(str(url))
                except UnsafeURLError as exc:
                    problems.append((("seeds", kind, i), exc.reason))
        return problems

    @property
    def config_hash(self) -> str:
        """SHA-256 of the validated job, canonical JSON: the same job always hashes the same."""
        canonical = self.model_dump_json(exclude_none=False)
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def warc_prefix(self) -> str:
        return self.warc.prefix or self.name
