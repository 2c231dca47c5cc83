"""Topic relevance, near-duplicates and the benchmark metric."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest

from crawler.articles.evaluation import score_documents
from crawler.articles.extract import extract_page
from crawler.articles.neardup import DuplicateIndex, features, simhash
from crawler.articles.relevance import TopicMatcher, normalise
from crawler.jobs.jobfile import load_job
from crawler.jobs.models import Topic
from settings import JOBS_DIR
from tests.pages import DEMO_ARTICLES

pytestmark = pytest.mark.unit

TOPIC = load_job(JOBS_DIR / "treaty-fr.yaml").topic
assert TOPIC is not None
MATCHER = TopicMatcher(TOPIC)


def _text(page: Path) -> tuple[str, str]:
    result = extract_page(page.read_bytes(), "https://example.fr/x", "text/html")
    return result.title or "", result.text


@pytest.mark.parametrize(
    "page",
    sorted(p for p in DEMO_ARTICLES.glob("*.html") if "festival" not in p.name),
    ids=lambda p: p.stem,
)
def test_every_seed_article_is_on_topic(page: Path) -> None:
    relevance = MATCHER.score(*_text(page))
    assert relevance.on_topic, relevance
    assert relevance.score >= TOPIC.threshold


@pytest.mark.parametrize(
    "text",
    [
        "La Corée du Nord a tiré un missile balistique ; Kim Jong-un supervisait l'essai.",
        "Le festival de jazz de Marciac affiche complet pour sa quarante-septième édition.",
        "Moscou et Paris discutent du traité sur les forces nucléaires ; la Russie hausse le ton.",
    ],
)
def test_off_topic_texts_are_not_on_topic(text: str) -> None:
    assert not MATCHER.score("", text).on_topic


def test_matching_ignores_case_accents_hyphens_and_handles_other_scripts() -> None:
    assert normalise("Choe Son-hui, CORÉE") == "choe son hui coree"
    result = MATCHER.score("", "choe son hui et la coree du nord : accord de defense mutuelle")
    assert {"Choe Son Hui", "Corée du Nord", "accord de défense"} <= set(result.matched)
    korean = MATCHER.score(
        "", "북한은 러시아와 포괄적 전략적 동반자 관계 조약을 비준했다. 북한군 파병"
    )
    russian = MATCHER.score(
        "", "КНДР и Россия: договор о всеобъемлющем стратегическом партнерстве, Северной Кореи"
    )
    assert korean.on_topic and russian.on_topic
    assert "Северн* Коре*" in russian.matched


def _plain_normalise(text: str) -> str:
    """What ``normalise`` is defined as, written plainly (and slowly)."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", plain).strip()


def test_normalise_strips_every_combining_mark_like_the_plain_definition() -> None:
    text = (
        "Ðà Nẵng, Ἀθῆναι, Йошкар-Ола, Łódź, Ærøskøbing, São Tomé, ﬁnale, Ｆｕｌｌ，"
        "북한 조약, Köln\u0301 e\u0323\u0302 x\u20dd"
    )
    assert normalise(text) == _plain_normalise(text)
    expected = "ða nang αθηναι иошкар ола łodz ærøskøbing sao tome finale full"
    assert normalise(text).startswith(expected)


def test_normalise_is_its_plain_definition_on_any_text() -> None:
    """Separators of every kind (ASCII and other punctuation, underscores, control and
    non-ASCII spaces, spacing marks, other scripts' digits), at either end or in a row, and
    random text drawn from all of Unicode and from the ranges where those kinds are."""
    edges = "_a__b_ «Kim» d’accord\u2009—\u3000x\x1cy \u093e\u0915\u093e ٣٤ …\tz\n"
    assert normalise(edges) == _plain_normalise(edges)
    rng = random.Random(17)
    ranges = [(0, 0x7F), (0x80, 0x2FFF), (0x300, 0x36F), (0x2000, 0x206F), (0, 0x10FFFF)]
    for _ in range(3000):
        text = (
            "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(0, 30)))
            .encode("utf-8", "replace")
            .decode("utf-8")
        )  # surrogates are not text
        assert normalise(text) == _plain_normalise(text), repr(text)


def test_title_counts_double_and_strong_term_is_required() -> None:
    topic = Topic(
        name="t",
        strong_terms={"fr": ["défense mutuelle"]},
        terms={"fr": ["Pyongyang"]},
        threshold=4,
    )
    matcher = TopicMatcher(topic)
    assert matcher.score("Pyongyang", "Pyongyang").score == 3
    assert not matcher.score("", "Pyongyang " * 10).on_topic  # no strong term
    assert matcher.score("", "défense mutuelle, Pyongyang").on_topic


def test_terms_count_whole_words_prefixes_and_repeats() -> None:
    topic = Topic(
        name="t",
        strong_terms={"fr": ["accord de défense"], "ko": ["동반자"]},
        terms={"fr": ["Corée", "Kim*"], "ru": ["Северн* Коре*"]},
        threshold=1,
    )
    matcher = TopicMatcher(topic)
    text = (
        "Corée, corée; COREE! Coréen n'est pas Corée. accord de défense accord-de-défense "
        "Kim Kimjongun Akim. Северной Кореи; Северная Корея. 동반자를 동반자"
    )
    matched = matcher.score(None, text).matched
    assert matched == {
        "Corée": 4,  # not "Coréen"
        "accord de défense": 2,
        "Kim*": 2,  # not "Akim"
        "Северн* Коре*": 2,
        "동반자": 2,  # particles attached
    }
    assert matcher.score("Corée Corée", "").score == 4  # two title matches, each counting double


def test_topic_without_strong_terms_is_refused() -> None:
    with pytest.raises(ValueError, match="strong term"):
        Topic(name="t", terms={"fr": ["x"]})


def test_wire_copy_clusters_and_copies_are_duplicates() -> None:
    texts = {p.stem: _text(p)[1] for p in DEMO_ARTICLES.glob("*.html")}
    index = DuplicateIndex()
    found = {name: index.add(name, features(text)) for name, text in sorted(texts.items())}
    # the AFP dispatch shared by seeds 000 and 002
    wire = ("accord-defense-mutuelle-entre-en-vigueur", "coree-du-nord-ratifie-accord-defense")
    assert found[wire[0]].cluster_id == found[wire[1]].cluster_id
    others = [n for n in found if n not in wire]
    assert len({found[n].cluster_id for n in others}) == len(others)
    assert list(index.clusters().values()) == [sorted(wire)]
    assert all(f.duplicate_of is None for f in found.values())
    copy = index.add("republished", features(texts[wire[0]] + " Mis à jour à 12h."))
    assert copy.duplicate_of == wire[0]


def test_simhash_sets_the_bits_most_features_set() -> None:
    rng = random.Random(7)
    for size in (0, 1, 2, 5, 64, 500):
        hashes = [rng.getrandbits(64) for _ in range(size)]
        expected = 0
        for bit in range(64):
            ones = sum(h >> bit & 1 for h in hashes)
            if ones > size - ones:
                expected |= 1 << bit
        assert simhash(hashes) == expected


def test_features_and_fingerprints_are_those_archived_before() -> None:
    """Fingerprints written in archives stay comparable: the same text gives the same
    features and fingerprint as when the archive was made (values computed 2026-11-30)."""
    text = (
        "Pyongyang a ratifié le traité de partenariat stratégique global avec la Russie, "
        "signé en juin 2024 à Pyongyang par Kim Jong-un et Vladimir Poutine. Le texte prévoit "
        "une assistance militaire mutuelle en cas d'agression contre l'une des deux parties."
    )
    assert features(text) == [
        361436449643032128,
        2889649019297456816,
        4474173092981804656,
        8250178666842259200,
        12713078394882889656,
    ]
    assert simhash(features(text)) == 0x301E14F900C3EE30


def test_simhash_is_stable_and_close_for_near_copies() -> None:
    words = [f"mot{i}" for i in range(2000)]
    text = " ".join(words)
    assert simhash(features(text)) == simhash(features(text))
    edited = " ".join([*words[:1000], "inséré", *words[1000:]])
    assert bin(simhash(features(text)) ^ simhash(features(edited))).count("1") <= 3
    other = " ".join(reversed(words))
    assert bin(simhash(features(text)) ^ simhash(features(other))).count("1") > 10


def test_benchmark_metric_on_known_cases() -> None:
    gold = "one two three four five six"
    assert score_documents([(gold, gold)]).f1 == 1.0
    assert score_documents([(gold, "")]).f1 == 0.0
    half = score_documents([(gold, "one two three four")])
    assert half.precision == 1.0 and half.recall == pytest.approx(1 / 3)
    assert score_documents([(gold, gold), (gold, "x y z w")]).accuracy == 0.5


def test_passage_index_is_bounded_by_its_window() -> None:
    index = DuplicateIndex(window=10)
    shared = " ".join(f"dépêche{i}" for i in range(200))
    first = index.add("first", features(shared))
    for n in range(30):
        index.add(f"filler{n}", features(" ".join(f"autre{n}x{i}" for i in range(200))))
    assert len(index._owner) <= 10 * max(len(features(shared)), 40)
    late = index.add("late", features(shared + " suite"))
    assert late.duplicate_of == "first"  # fingerprints are kept for the whole crawl
    near = index.add("near", features(shared + " encore"))
    assert near.cluster_id == first.cluster_id


def test_fingerprints_do_not_depend_on_the_python_build() -> None:
    """Archived cluster ids are reproduced anywhere: the features are CRC-32s of fixed
    bytes, not ``hash()`` (whose tuple algorithm is CPython's own and may change)."""
    from crawler.articles.neardup import features, simhash

    text = (
        "La Corée du Nord et la Russie ont signé un traité de partenariat stratégique "
        "global à Pyongyang le 19 juin 2024"
    )
    assert features(text) == [15654214998142683984]
    assert simhash(features(text)) == 0xD93EF199E9E30B50
