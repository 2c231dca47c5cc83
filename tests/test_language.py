"""Language detection for pages that do not declare theirs."""

from __future__ import annotations

import pytest

from crawler.articles.language import detect_language
from tests.pages import PARAGRAPHS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (" ".join(PARAGRAPHS), "fr"),
        (
            "The treaty was signed in Pyongyang in June and it commits both countries to help "
            "each other if one of them is attacked, which has been seen as a threat by the West "
            "and by the government of South Korea.",
            "en",
        ),
        (
            "Der Vertrag wurde im Juni in Pjöngjang unterzeichnet und verpflichtet beide Länder "
            "zu gegenseitigem Beistand, wenn eines von ihnen angegriffen wird, was auch im Westen "
            "mit Sorge gesehen wird.",
            "de",
        ),
        (
            "Договор о всеобъемлющем стратегическом партнерстве между Россией и КНДР вступил в "
            "силу после ратификации обеими сторонами в ноябре.",
            "ru",
        ),
        (
            "북한과 러시아의 포괄적 전략적 동반자 관계 조약이 발효되었다. "
            "양국은 상호 군사 지원을 약속했다.",
            "ko",
        ),
    ],
)
def test_detects_the_language(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_short_or_mixed_text_is_undecided() -> None:
    assert detect_language("Kim Jong-un") is None
    assert detect_language("1234 5678 " * 20) is None
