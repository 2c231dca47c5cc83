"""``crawler extract``: Article JSON of local HTML files or of one live page; ``--eval``
scores extraction on a benchmark folder.

A live page is fetched hop by hop (redirects not followed by the HTTP client): every hop's
host is resolved once, its address checked against the address policy, and the connection
made to that very address (the ``Host`` header and TLS server name stay the host's), so a
redirect or a second DNS answer cannot lead the fetch somewhere the policy forbids.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.cli.arguments import positive_int
from crawler.config import Settings
from crawler.jobs.addresses import AddressPolicy, UnsafeURLError
from crawler.jobs.models import DEFAULT_RESPONSE_BYTES

if TYPE_CHECKING:  # extraction modules load trafilatura's dependencies: only when needed
    from crawler.articles.extract import ExtractionResult, ExtractOptions

__all__ = ["ExtractError", "add_extract_command", "extract_file", "fetch_page"]

_MAX_REDIRECTS = 10
_TIMEOUT = 30.0


class ExtractError(RuntimeError):
    """A file or URL that cannot be extracted; the message names it."""


def extract_file(path: Path, url: str | None, options: ExtractOptions) -> ExtractionResult:
    """The extraction result of an HTML file (``.html`` or ``.html.gz``). A ``.gz`` file is
    inflated only as far as extraction reads (``max_html_bytes``): a small file that inflates
    to gigabytes costs no more memory than a page."""
    from crawler.articles.extract import extract_page
    from crawler.crawl.decoding import decode_body

    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"{path}: cannot read: {exc.strerror}") from exc
    if path.suffix == ".gz":
        inflated = decode_body(body, ["gzip"], options.max_html_bytes)
        if inflated.error:
            raise ExtractError(f"{path}: not a valid gzip file: {inflated.error}")
        body = inflated.body
    return extract_page(body, url or path.resolve().as_uri(), options=options)


def _checked_address(url: str, policy: AddressPolicy) -> tuple[str, str]:
    """``(host, address)``: the URL's host and the one address to connect to, checked."""
    try:
        host = policy.check_url(url)  # scheme, IP literal
    except UnsafeURLError as exc:
        raise ExtractError(str(exc)) from exc
    parts = urlsplit(url)
    if host is None:  # an IP literal, already checked
        return parts.hostname or "", parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ExtractError(f"{url}: cannot resolve {host}: {exc}") from exc
    address = str(infos[0][4][0])
    for *_, sockaddr in infos:  # every answer: the client must not be able to pick another
        refusal = policy.address_refusal(str(sockaddr[0]))
        if refusal:
            raise ExtractError(f"{url}: blocked: {host} resolves to {refusal}")
    return host, address


def _pinned(url: str, address: str) -> str:
    """``url`` with its host replaced by ``address`` (brackets for IPv6)."""
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def fetch_page(
    url: str,
    policy: AddressPolicy,
    user_agent: str,
    max_bytes: int = DEFAULT_RESPONSE_BYTES,
) -> tuple[bytes, str | None, str]:
    """``(body, Content-Type, final URL)`` of a live page, every redirect hop checked."""
    import httpx

    with httpx.Client(follow_redirects=False, timeout=_TIMEOUT, trust_env=False) as client:
        for _hop in range(_MAX_REDIRECTS + 1):
            host, address = _checked_address(url, policy)
            netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
            request = client.build_request(
                "GET",
                _pinned(url, address),
                headers={"Host": netloc, "User-Agent": user_agent},
                extensions={"sni_hostname": host},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise ExtractError(f"{url}: cannot fetch: {exc}") from exc
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code >= 400:
                    raise ExtractError(f"{url}: the server answered {response.status_code}")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise ExtractError(f"{url}: larger than {max_bytes} bytes")
                return body, response.headers.get("content-type"), url
            except httpx.HTTPError as exc:
                raise ExtractError(f"{url}: cannot fetch: {exc}") from exc
            finally:
                response.close()
    raise ExtractError(f"{url}: more than {_MAX_REDIRECTS} redirects")


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.articles.builder import ArticleBuilder, PageContext, TopicScorer
    from crawler.articles.evaluation import EvaluationError, evaluate_folder
    from crawler.articles.extract import ExtractOptions, extract_page
    from crawler.jobs.jobfile import JobFileError, load_job
    from crawler.jobs.models import Identity

    try:
        if args.eval:
            for name, score in evaluate_folder(Path(args.eval), workers=args.workers):
                print(f"{name}: {score}")
            return 0
        job = load_job(args.job) if args.job else None
        topic = job.topic if job else None
        comments = args.comments or bool(job and job.extraction.comments)
        options = ExtractOptions(speedups=settings.speedups, comments=comments)
        if args.url and args.files:
            raise ExtractError("give files or --url, not both")
        if not (args.url or args.files):
            raise ExtractError("nothing to extract: give HTML files, --url URL or --eval DIR")
        policy = AddressPolicy.from_strings(False, args.allow_network or [])
        fetched = fetch_page(args.url, policy, Identity().user_agent) if args.url else None
    except (ExtractError, EvaluationError, JobFileError) as exc:
        print(f"crawler extract: {exc}", file=sys.stderr)
        return 2
    builder = ArticleBuilder(options, TopicScorer(topic) if topic else None)
    status = 0
    sources: list[str] = [args.url] if fetched else args.files
    for source in sources:
        if fetched is not None:
            body, content_type, final_url = fetched
            page = PageContext(url=source, final_url=final_url)
            result = extract_page(body, final_url, content_type, options=options)
        else:
            url = args.base_url or Path(source).resolve().as_uri()
            page = PageContext(url=url, final_url=url)
            try:
                result = extract_file(Path(source), url, options)
            except ExtractError as exc:
                print(f"crawler extract: {exc}", file=sys.stderr)
                status = 2
                continue
        if not result.is_article:
            print(f"crawler extract: {source}: not an article ({result.reason})", file=sys.stderr)
        article = builder.build(result, page)
        print(article.model_dump_json(exclude={"extractor"} if args.short else None))
    return status


def add_extract_command(sub: Any) -> None:
    extract = sub.add_parser(
        "extract", help="print Article JSON of HTML files (one per line), or score a benchmark"
    )
    extract.add_argument("files", nargs="*", help="HTML files (.html or .html.gz)")
    extract.add_argument("--url", help="fetch this URL and extract it (address safety applies)")
    extract.add_argument("--base-url", help="the URL the files were served from")
    extract.add_argument("--job", help="job file whose topic scores relevance")
    extract.add_argument(
        "--eval",
        metavar="DIR",
        help="score a benchmark folder with its own metric (scrapinghub-aeb, trafilatura-eval, "
        "htmldate-eval or the french-news view, told by its gold file)",
    )
    extract.add_argument("--workers", type=positive_int, default=2, help="processes for --eval")
    extract.add_argument("--allow-network", action="append", help="CIDR allowed for --url")
    extract.add_argument("--short", action="store_true", help="omit the extractor block")
    extract.add_argument(
        "--comments",
        action="store_true",
        help="reader comments in their own field (as the job's extraction.comments does)",
    )
    extract.set_defaults(func=_cmd_extract)
