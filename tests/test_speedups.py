"""trafilatura made cheaper with exactly its results (crawler.speedups): each speed-up
against trafilatura's own, on real pages."""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path

import pytest
from lxml import etree

from crawler.articles._speedups.regex_literals import required_substrings
from crawler.articles._speedups.xml_chars import _PATTERN, FORBIDDEN, PresenceFirst, speed_up_repair
from crawler.articles._speedups.xpath import REGEXP_NS, first_only, rewrite, speed_up_xpaths
from crawler.articles.extract import decode_html, parse_html
from tests.pages import DEMO_ARTICLES, dirty_article

pytestmark = pytest.mark.unit

_RE_TEST = re.compile(r"re:test\([^,]+,\s*'([^']*)'\)")


def _real_trees() -> list[object]:
    pages = [p.read_bytes() for p in sorted(DEMO_ARTICLES.glob("*.html"))]
    mini = Path(__file__).parent / "fixtures" / "aeb-mini" / "html"
    pages += [gzip.decompress(p.read_bytes()) for p in sorted(mini.glob("*.html.gz"))]
    pages.append(dirty_article().encode())
    return [parse_html(decode_html(page, "text/html")[0]) for page in pages]


def _trafilatura_patterns() -> list[str]:
    """The case-sensitive regular expressions of trafilatura's ``re:test`` calls."""
    import trafilatura  # noqa: F401  (loads its modules)

    paths = set()
    for name, module in list(sys.modules.items()):
        if name.startswith("trafilatura"):
            for value in vars(module).values():
                for found in value if isinstance(value, list) else [value]:
                    expression = getattr(found, "expression", found)  # catstags wraps some
                    if isinstance(expression, etree.XPath):
                        paths.add(expression.path)
    return sorted({p for path in paths for p in _RE_TEST.findall(path)})


_TWO_BODIES = """<html><body><main><p>Menu</p></main>
<div class="article-body"><p>Un article.</p><div class="article-body"><p>Encore.</p></div></div>
<section class="post-content"><p>Un autre.</p></section></body></html>"""


def test_sped_up_xpath_selects_what_trafilaturas_own_selects() -> None:
    """The same elements; for the expressions whose first element alone is read (one of
    ``BODY_XPATH``), the same first element."""
    pairs = speed_up_xpaths()
    assert len(pairs) >= 10  # trafilatura 2.x has ~60 such expressions
    trees = [*_real_trees(), parse_html(_TWO_BODIES)]
    selected = 0
    several = False
    for original, faster in pairs:
        assert faster.path != original.path
        assert "((@class) and ((@class)" not in faster.path  # each rewritten once
        read_first = faster.path == first_only(original.path) != rewrite(original.path)
        for tree in trees:
            found, expected = faster(tree), original(tree)
            if read_first:
                assert found == expected[:1], original.path
                several = several or len(expected) > 1
            else:
                assert found == expected, original.path
            selected += len(found)
    assert selected > 0  # the pages do exercise the expressions
    assert several  # and a page where the first is one of several


def test_an_expression_read_for_its_first_element_stops_there() -> None:
    from trafilatura.xpaths import BODY_XPATH

    speed_up_xpaths()
    assert any(x.path.startswith("((descendant::article|") for x in BODY_XPATH)
    page = "<html><body><div><p>a</p><p>b</p></div><p>c</p></body></html>"
    tree = parse_html(page)
    path = ".//*[self::p or self::span][string-length(.) = 1][1]"
    assert first_only(path) == "((descendant::p|descendant::span)[string-length(.) = 1])[1]"
    assert len(tree.xpath(path)) == 2  # the first match under each parent
    assert tree.xpath(first_only(path)) == tree.xpath(path)[:1]
    for kept in (
        ".//div[@id='a[1]'][1]",  # a positional-looking literal: left alone
        ".//*[self::a][2][1]",  # a positional predicate before the last
        ".//*[self::a]/p[1]",  # two steps
        ".//*[self::a][1] | .//b[1]",  # a union
    ):
        assert first_only(kept) == rewrite(kept)


def test_xpath_rewrite_guards_only_patterns_that_cannot_match_empty() -> None:
    assert rewrite("*[re:test(@id, 'nav|menu')]") == (
        "*[(((@id) and (contains(@id, 'menu') or contains(@id, 'nav'))) "
        "and re:test(@id, 'nav|menu'))]"
    )
    assert rewrite("*[re:test(@id|@class, '^a')]") == (
        "*[(((@id|@class) and (contains(@id, 'a') or contains(@class, 'a'))) "
        "and re:test(@id|@class, '^a'))]"
    )
    # no substring known (a class of 26 letters), or case-insensitive: presence only
    assert rewrite("*[re:test(@id, '^[a-z]')]") == "*[((@id) and re:test(@id, '^[a-z]'))]"
    assert rewrite("*[re:test(@id, 'nav', 'i')]") == "*[((@id) and re:test(@id, 'nav', 'i'))]"
    assert rewrite("*[re:test(@class, 'x?')]") == "*[re:test(@class, 'x?')]"
    assert rewrite("*[re:test(@class, 'x', 'm')]") == "*[re:test(@class, 'x', 'm')]"
    assert rewrite("*[re:test(@class, '(x')]") == "*[re:test(@class, '(x')]"  # not a pattern
    tree = etree.fromstring(
        "<r><a id='nav'/><a class='nav'/><a/><a id=''/><a id='NAV'/><a id='top-nav x'/></r>"
    )
    ns = {"re": REGEXP_NS}
    for path in (
        "//*[re:test(@id, 'nav')]",
        "//*[re:test(@id, 'nav', 'i')]",
        "//*[re:test(@id|@class, '^nav')]",
        "//*[not(re:test(@id, '^$'))]",
    ):
        expected = etree.XPath(path, namespaces=ns)(tree)
        assert etree.XPath(rewrite(path), namespaces=ns)(tree) == expected, path
        assert expected  # each path selects something


def test_xpath_rewrite_makes_descendant_steps_direct_unless_positional() -> None:
    assert rewrite(".//div[not(.//h1)]|//author") == (
        "descendant::div[not(descendant::h1)]|/descendant::author"
    )
    assert rewrite("a/b//c[contains(@href, '//x')]") == "a/b/descendant::c[contains(@href, '//x')]"
    for unchanged in (".//p[1]", ".//p[last()]", "//@href", "..//x"):
        assert rewrite(unchanged) == unchanged
    tree = etree.fromstring("<r><s><p/><p><p/></p></s><p/></r>")
    assert len(tree.xpath(".//p[1]")) == 3  # one first p per parent: why positional is kept
    assert etree.XPath(rewrite(".//s//p"))(tree) == tree.xpath(".//s//p")
    # (...)[1] picks from the whole set in document order: the inside is rewritten
    assert rewrite("(.//p)[1]|(.//s)[2]") == "(descendant::p)[1]|(descendant::s)[2]"
    assert tree.xpath(rewrite("(.//p)[2]")) == tree.xpath("(.//p)[2]")


def test_xpath_rewrite_turns_a_choice_of_names_into_a_union() -> None:
    assert rewrite(".//*[self::div or self::p][@id]") == "(descendant::div|descendant::p)[@id]"
    assert rewrite("x|//*[self::a]/b") == "x|(/descendant::a)/b"
    assert rewrite("*[not(.//*[self::h1 or self::h2])]") == (
        "*[not((descendant::h1|descendant::h2))]"
    )
    for unchanged in (  # not at a path's start, not only names, positional
        "a/descendant::*[self::x or self::y]",
        "descendant::*[self::a or @id]",
        ".//*[self::a or self::b][1]",
    ):
        assert rewrite(unchanged) == unchanged
    tree = etree.fromstring(
        "<r><div id='1'><p id='2'/><span id='3'><p/></span></div><p id='4'><div/></p></r>"
    )
    for path in (".//*[self::div or self::p][@id]", ".//*[self::p or self::div]/*"):
        assert etree.XPath(rewrite(path))(tree) == tree.xpath(path)
        assert len(tree.xpath(path)) >= 3  # document order across names is kept


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("comment-?list", {"comment"}),  # the part before the optional hyphen
        ("(?:post-|entry-)title|headline", {"title", "headline"}),  # after the choice
        ("^(?:[Cc]omment(?!ary)|comol)", {"omment", "comol"}),  # assertions: zero width
        ("a{2,3}b", {"aab"}),  # "aaab" contains "aab": not needed
        ("x[ab]yz", {"xayz", "xbyz"}),  # "yz" is one test but of 2 characters only
        ("a.b", {"a"}),
        ("(^|\\s)link(\\s|$)", {"link"}),
        ("(?i:a)bcd", {"bcd"}),
    ],
)
def test_required_substrings(pattern: str, expected: set[str]) -> None:
    assert required_substrings(pattern) == expected


@pytest.mark.parametrize(
    "pattern", ["x?", "ab|c*", "[^a]+", "\\w+", "(?i)nav", "a?b?", ".", "[unclosed"]
)
def test_no_required_substring(pattern: str) -> None:
    assert required_substrings(pattern) is None


def test_nav_is_required_even_with_ignorecase_asked_as_flag() -> None:
    assert required_substrings("nav", re.IGNORECASE) is None
    assert required_substrings("nav") == {"nav"}


def _attribute_values(trees: list[object]) -> list[str]:
    values = set()
    for tree in trees:
        for element in tree.iter():  # type: ignore[attr-defined]
            if isinstance(element.tag, str):
                values.update(element.attrib.values())
    return sorted(values)


def test_every_match_of_trafilaturas_patterns_contains_a_required_substring() -> None:
    """Soundness: on attribute values of real pages, and on strings assembled from each
    pattern's own pieces (which match often), a match always contains a substring."""
    patterns = _trafilatura_patterns()
    assert len(patterns) >= 20
    real = _attribute_values(_real_trees())
    rng = random.Random(7)
    analysed = matched = 0
    for pattern in patterns:
        substrings = required_substrings(pattern)
        if substrings is None:
            continue
        analysed += 1
        pieces = [p for p in re.split(r"[\\^$|()?*+\[\]{}:.!]+", pattern) if p] + [" ", "-", "A"]
        made = ["".join(rng.choices(pieces, k=rng.randint(1, 4))) for _ in range(300)]
        for text in real + made:
            if re.search(pattern, text):
                matched += 1
                assert any(s in text for s in substrings), (pattern, text, substrings)
    assert analysed >= 20 and matched > 1000


def test_forbidden_characters_are_exactly_those_trafilatura_deletes() -> None:
    from trafilatura import utils

    compiled = getattr(utils.INVALID_XML_CHARS, "compiled", utils.INVALID_XML_CHARS)
    assert tuple(compiled.findall("".join(map(chr, range(0x110000))))) == FORBIDDEN


def test_presence_first_deletes_what_the_expression_deletes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trafilatura import utils

    compiled = re.compile(_PATTERN)
    fast = PresenceFirst(compiled)
    page = "<p>Traité « Russie–Corée » ’</p>\n\t\r" * 50
    assert fast.sub("", page) is page  # nothing to delete: not even a copy
    for char in FORBIDDEN:
        for dirty in (char + page, page + char, page[:70] + char * 2 + page[70:]):
            assert fast.sub("", dirty) == compiled.sub("", dirty) != dirty
    parse_html("<html><body><p>x</p></body></html>")
    assert isinstance(utils.INVALID_XML_CHARS, PresenceFirst)  # installed before parsing
    monkeypatch.setattr(utils, "INVALID_XML_CHARS", re.compile("[\\x00-\\x08]"))
    assert speed_up_repair() is False  # trafilatura changed its pattern: left alone
    assert not isinstance(utils.INVALID_XML_CHARS, PresenceFirst)


def test_the_speedups_run_only_on_the_tested_versions_and_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata

    from crawler.articles._speedups import TESTED, speedups_state
    from crawler.articles.extract import ExtractOptions, extractor_info

    installed = {name: importlib.metadata.version(name) for name in TESTED}
    assert all(installed[name] in versions for name, versions in TESTED.items()), installed
    assert speedups_state(True).startswith("on (")
    assert speedups_state(False).startswith("off (turned off")
    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: "9.9.9" if name == "trafilatura" else real(name),
    )
    assert speedups_state(True) == "off (trafilatura 9.9.9 untested; tested: 2.3.1)"
    on, off = ExtractOptions(), ExtractOptions(speedups=False)
    assert on.config_hash == off.config_hash  # the same output: the same configuration
    assert extractor_info(off)["speedups"].startswith("off")


def test_extraction_without_speedups_is_trafilatura_as_it_ships() -> None:
    from tests.conftest import ROOT, run_cli

    page = ROOT / "crawler/demo/site/articles/coree-du-nord-guerre-koursk.html"
    plain = run_cli("extract", str(page), env={"CRAWLER_SPEEDUPS": "off"})
    fast = run_cli("extract", str(page))
    assert plain.returncode == fast.returncode == 0, plain.stderr + fast.stderr
    plain_article, fast_article = json.loads(plain.stdout), json.loads(fast.stdout)
    assert plain_article["extractor"]["speedups"].startswith("off (turned off")
    assert fast_article["extractor"]["speedups"].startswith("on (")
    for article in (plain_article, fast_article):
        del article["extractor"]["speedups"]
    assert plain_article == fast_article


_BARE_EXTRACTIONS = """
import gzip, json, sys
from pathlib import Path
import trafilatura
from trafilatura.utils import load_html
from crawler.articles._speedups.lent_tree import lend_tree
if sys.argv[1] == "on":
    from crawler.articles._speedups import speed_up_trafilatura
    assert speed_up_trafilatura(True)
out = []
for name in sys.argv[2:]:
    raw = Path(name).read_bytes()
    html = (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8", "replace")
    for fast in (True, False):
        for comments in (False, True):
            tree = load_html(html)
            with lend_tree(tree):  # "on": extracted in place; "off": copied (not installed)
                doc = trafilatura.bare_extraction(
                    tree, fast=fast, include_comments=comments, with_metadata=True
                )
            fields = doc.as_dict() if doc is not None else {}
            unread = ("license", "body", "commentsbody")
            out.append({k: v for k, v in fields.items() if k not in unread})
print(json.dumps(out, default=str))
"""


_POST_META = """<html><head><title>Un article</title>{meta}</head><body>
<article><h1>Un article</h1><div class="entry-meta">{category}</div>
<p>{text}</p><div class="tags">{tags}</div></article></body></html>"""


def _post_meta_pages(folder: Path) -> list[Path]:
    """Pages whose categories and tags come from links (both kinds), from ``<meta>`` only
    (trafilatura's fallback), or from links that its pattern refuses."""
    text = "Le traité entre la Russie et la Corée du Nord est entré en vigueur. " * 12
    cases = {
        "links": (
            "",
            '<a href="/category/monde/">Monde</a>',
            '<a href="/tag/coree/">Corée</a> <a href="/tags/russie/">Russie</a>',
        ),
        "meta": ('<meta property="article:section" content="International">', "", ""),
        "refused": ("", '<a href="/categorical/x">X</a>', '<a href="/tagada/">Y</a>'),
    }
    pages = []
    for name, (meta, category, tags) in cases.items():
        page = folder / f"{name}.html"
        page.write_text(_POST_META.format(meta=meta, category=category, text=text, tags=tags))
        pages.append(page)
    return pages


def test_the_speedups_leave_every_field_as_trafilatura_gives_it(tmp_path: Path) -> None:
    """With and without every speed-up, in two processes (they patch trafilatura process-wide):
    fast or not, comments or not, every field but the licence (not read: ``unused_steps``) is
    the same. The fallback extractors and comment capture still get their tree copy, also
    when the tree is lent (``lent_tree``); the category and tag search finds what
    trafilatura's finds, from links or ``<meta>``."""
    import subprocess

    fixtures = Path(__file__).parent / "fixtures"
    mini = [
        *(fixtures / "aeb-mini" / "html").glob("*.gz"),
        *fixtures.glob("trafilatura-eval-mini/*"),
    ]
    pages = [
        str(p)
        for p in [*sorted(DEMO_ARTICLES.glob("*.html")), *sorted(mini), *_post_meta_pages(tmp_path)]
    ]
    outputs = {}
    for state in ("off", "on"):
        done = subprocess.run(
            [sys.executable, "-c", _BARE_EXTRACTIONS, state, *pages],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs[state] = json.loads(done.stdout)
    assert len(outputs["on"]) == 4 * len(pages) > 40
    assert sum(bool(doc.get("text")) for doc in outputs["on"]) > 30
    links, meta, refused = outputs["off"][-12], outputs["off"][-8], outputs["off"][-4]
    assert (links["categories"], links["tags"]) == (["Monde"], ["Corée", "Russie"])
    assert (meta["categories"], meta["tags"]) == (["International"], [])
    assert (refused["categories"], refused["tags"]) == ([], [])
    assert outputs["on"] == outputs["off"]


@pytest.mark.parametrize(
    "body",
    [
        # minified blocks: html2txt's spacing splits words the page's text glues together
        "<div>a</div><div>b</div><p>c<br>d</p><ul><li>e</li><li>f</li></ul>",
        # scripts, styles and templates: text html2txt always deletes
        "<p>mot</p><script>var a = 1;</script><style>p {}</style><template>x y</template>",
        "<aside>à côté</aside><footer>pied</footer><p>Le   texte\n\tlui-même</p>",
        "",
    ],
)
def test_the_page_measure_bound_is_never_below_trafilaturas_measure(body: str) -> None:
    """The bound that lets ``page_measure`` skip trafilatura's ``html2txt`` is never below it:
    on built pages where spacing lengthens the text, and on the real pages. With the bound
    cut to its characters alone, the minified page fails."""
    import importlib

    from crawler.articles._speedups.page_measure import _measure_bound

    baseline = importlib.import_module("trafilatura.baseline")
    blocks = frozenset(baseline._BLOCK_ELEMS)
    page = parse_html(f"<html><body>{body}</body></html>")
    for tree in [page, *_real_trees()]:
        assert tree is not None
        assert len(baseline.html2txt(tree)) <= _measure_bound(tree, blocks)


def test_json_ld_strings_are_built_as_trafilatura_builds_them() -> None:
    """``json_ld``'s minifying and surrogate filter against trafilatura 2.3.1's own
    expressions, on the real pages' scripts, on every Unicode character (whitespace as
    ``\\s`` knows it, surrogates) and on literals with escaped or missing quotes."""
    from crawler.articles._speedups.json_ld import _SURROGATES, _Minify

    trafilaturas = re.compile(r'("(?:\\.|[^"\\])*")|\s')  # its JSON_MINIFY
    minify = _Minify(trafilaturas)
    every_character = "".join(map(chr, range(0x110000)))
    texts = [e.text for tree in _real_trees() for e in tree.iter("script") if e.text]
    texts += [
        '{"a b": "c\\" d",\n\t"e":  [1, 2]}',
        '{ "open": "no end  }  ',
        '"\\\\" x "y\u00a0z"\u2003\u00a0end',
        f'"{every_character[:0x3100]}" {every_character}',
    ]
    assert len(texts) > 8
    for text in texts:
        assert minify.sub(r"\1", text) == trafilaturas.sub(r"\1", text)
    kept = "".join(c for c in every_character if ord(c) < 0xD800 or ord(c) > 0xDFFF)
    assert _SURROGATES.sub("", every_character) == kept
    # installed: an escaped emoji (two surrogates) is dropped, as trafilatura's own drops it
    from trafilatura import json_metadata

    from crawler.articles._speedups import speed_up_trafilatura

    assert speed_up_trafilatura()
    normalize_json = json_metadata.normalize_json
    assert normalize_json.__module__ == "crawler.articles._speedups.json_ld"
    assert normalize_json("caf\\u00e9 \\ud83d\\ude00 <b>x</b>\\n y") == "café x y"


_COMMENTED_PAGE = """<html><head><title>Un article</title></head><body><article>
<h1>Un article</h1><p>{text}</p></article><div id="comments"><p>Publié le
<time datetime="2024-12-05T10:00:00+01:00">5 décembre</time></p><p>Un commentaire.</p>
</div></body></html>""".format(
    text="Le traité entre la Russie et la Corée du Nord est entré en vigueur. " * 12
)


def test_a_lent_tree_is_extracted_in_place_and_its_dates_read_before() -> None:
    """Lent, the tree is pruned as trafilatura's copy of it would be (no copy is made); the
    date's source is still found where that pruning took it from (a comment section)."""
    from trafilatura import bare_extraction

    from crawler.articles._speedups import lend_tree, speed_up_trafilatura
    from crawler.articles.extract import extract_page

    assert speed_up_trafilatura(True)
    lent, kept = (parse_html(_COMMENTED_PAGE, True) for _ in range(2))
    with lend_tree(lent):
        bare_extraction(lent, fast=True, include_comments=False)
    bare_extraction(kept, fast=True, include_comments=False)
    assert lent.find('.//div[@id="comments"]') is None
    assert kept.find('.//div[@id="comments"]') is not None
    result = extract_page(_COMMENTED_PAGE.encode(), "https://example.org/a.html")
    assert (result.published, result.published_source) == ("2024-12-05", "time-element")


_AUTHOR_PAGES = [
    # a date inside the byline: deleted, its tail glued to the text before it
    '<p class="byline">Par<time datetime="2024-12-05">5 décembre</time>Jean Dupont</p>',
    # a byline inside a comment section, then the article's own
    '<div class="comments"><span class="author">Un lecteur</span></div>'
    '<span class="author">Marie Curie</span>',
    # a byline that is itself discarded (a sidebar's), then one of the second expression
    '<div class="sidebar author">Paul Valéry</div><h4 class="author-box">Anne Morel</h4>',
    # a figure caption first in the byline: deleted with its credit, the name kept
    '<span class="author"><figure><figcaption>Photo AFP</figcaption></figure>Léa Roy</span>',
    # a <rel> child whose text the deletion of a date inside it makes 'me'
    "<p>Jean Valjean<rel>m<time>x</time>e</rel></p>",
]


def test_the_author_search_finds_what_trafilatura_finds_in_its_pruned_copy() -> None:
    """The author, searched on the page itself, is the one trafilatura finds in its pruned
    copy: on the real pages, on built pages where deleted elements sit inside, around or on
    a byline, on a page with a ``<rel>`` element, and on a tree that is not its page's root
    (a ``<title>`` byline outside it)."""
    from trafilatura import metadata

    from crawler.articles._speedups import speed_up_trafilatura

    assert speed_up_trafilatura(True)
    fast = metadata.extract_author
    original = getattr(fast, "__wrapped__", None)  # installed: trafilatura's own within
    assert original is not None
    built = [
        parse_html(f"<html><body><article>{body}</article></body></html>") for body in _AUTHOR_PAGES
    ]
    titled = parse_html(
        '<html><head><title class="byline">Le Monde</title></head><body><p>x</p></body></html>'
    )
    trees = [*built, titled.find("body"), *_real_trees()]
    answers = [original(tree) for tree in trees]
    assert answers[: len(built) + 1] == [
        "ParJean Dupont",
        "Marie Curie",
        "Anne Morel",
        "Léa Roy",
        "Jean Valjean me",
        None,
    ]
    assert sum(answer is not None for answer in answers) > 10
    assert [fast(tree) for tree in trees] == answers


@pytest.mark.parametrize(
    "path",
    [".//div[1]", "//a/b", ".//*[ancestor::div]", ".//x[../y]", "//*[@a]//b", "div"],
)
def test_the_author_search_leaves_discard_expressions_of_other_forms_alone(path: str) -> None:
    """A discard expression that is not one step testing the element itself (a position,
    another element, a second step) cannot be tested on ancestors: nothing is installed."""
    from crawler.articles._speedups.author_search import _along, _branches

    assert _branches(path) is None
    assert _along("descendant", ["//time", path]) is None
    assert _branches(".//*[@class='a|//b']|//time") == [("*", "[@class='a|//b']"), ("time", "")]
