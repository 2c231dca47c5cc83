"""Language of a text when the page does not declare it: script, then stop words.

Small on purpose (a few KB, no model): each extraction worker would otherwise carry a
~75 MB language model. Scripts decide Korean, Japanese, Chinese, Russian/Ukrainian, Greek,
Arabic, Hebrew; Latin-script texts are told apart by their most frequent function words.
Returns None when unsure.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["detect_language"]

_STOP_WORDS = {
    "fr": "le la les des du de et est une un dans pour que qui sur pas par avec au aux ce cette "
    "il elle ils sont ont été plus ne se sa son ses leur nous vous mais ou où été aussi",
    "en": "the and of to in is that for it with as was on be by are this from at have has "
    "not an or which but their they were been its also will would",
    "de": "der die das und ist nicht ein eine zu den von mit sich auf für im dem des auch es "
    "an werden aus er hat dass sie nach wird bei einer um noch wie",
    "es": "el la los las de y que en un una es por con no se del al lo para como más pero sus "
    "le ha este esta son fue también entre",
    "it": "il di che e la per un una non con sono del della le si gli da in al nel è anche "
    "come più ma alla dei questo delle",
    "pt": "o a os as de e que do da em um uma para com não por se na no dos das mais como "
    "mas foi ao ele ela seu sua também",
    "nl": "de het een en van in is dat op te met voor niet zijn er aan ook als bij door maar "
    "om dan naar nog wordt",
    "pl": "i w na z się nie do to że jest o jak po co ale od przez dla jego tak za",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _STOP_WORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")


def detect_language(text: str, minimum_words: int = 20) -> str | None:
    """ISO 639-1 code, or None for short or undecidable texts."""
    sample = text[:5000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 20:  # a Korean or Chinese sentence is short in characters
        return None
    for code, script in _SCRIPTS:
        if len(script.findall(sample)) > len(letters) * 0.3:
            if code == "ru" and len(_UKRAINIAN.findall(sample)) > len(letters) * 0.01:
                return "uk"
            return code
    tokens = [t.lower() for t in _TOKEN.findall(sample)]
    if len(tokens) < minimum_words:
        return None
    counts = Counter({lang: sum(t in words for t in tokens) for lang, words in _WORDS.items()})
    (best, top), (_, second) = counts.most_common(2)
    if top < max(3, len(tokens) * 0.08) or top < second * 1.3:
        return None
    return best
