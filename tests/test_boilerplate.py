"""The last guard on article text: junk lines and links to other articles are dropped, prose
that merely starts with the same words is kept."""

from __future__ import annotations

import pytest

from crawler.articles.boilerplate import clean_text

pytestmark = pytest.mark.unit

BEFORE = "Pyongyang a ratifié le traité de partenariat stratégique global avec Moscou."
AFTER = "Le texte prévoit une assistance militaire mutuelle en cas d'agression."


@pytest.mark.parametrize(
    "junk",
    [
        "Lire aussi | Article réservé à nos abonnés La Corée du Nord et la Russie",
        "LIRE AUSSI - Kim Jong-un ratifie le traité avec Moscou",
        "À lire aussi » Koursk : ce que l'on sait des soldats nord-coréens",
        "À lire aussi : Choe Son Hui à Moscou",
        "Read more: Russia and North Korea sign a defence pact",
        "Related: What the treaty says",
        "Lesen Sie auch: Nordkoreanische Soldaten in Kursk",
        "Weiterlesen: Der Vertrag tritt in Kraft",
        "Lea también: Corea del Norte ratifica el tratado",
        "MIRA: Kim Jong-un firma el decreto",
        "LE PUEDE INTERESAR: El tratado entra en vigor",
        "Czytaj też: Traktat Rosji z Koreą Północną",
        "Leggi anche: Il trattato tra Mosca e Pyongyang",
        "Voir aussi : le texte du traité",
        "Kategorie: Politik",
        "Tags: Corée du Nord, Russie",
        "12 commentaires",
        "3 Kommentare",
        "View Comments",
        "Sign up for our newsletter",
        "Sign Up: Stay on top of the latest news! Sign up for our newsletters here",
        "Subscribe now to our print edition for the full story.",
        "Abonnieren Sie jetzt den Themen-Newsletter «Politik».",
        "Follow us on Instagram",
        "Follow The Gleaner on Twitter and Instagram @JamaicaGleaner",
        "Suivez-nous sur Telegram",
        "Photo : AFP",
        "Crédit photo : KCNA / Reuters",
        "Foto: © dpa",
        "Temps de lecture : 4 min",
        "3 min read",
        "Ajouter à mes favoris",
        "Pour lire la suite",
        "Déjà abonné ?",
        "Nous suivre :",
    ],
)
def test_a_link_or_label_line_is_dropped(junk: str) -> None:
    assert clean_text(f"{BEFORE}\n{junk}\n{AFTER}") == f"{BEFORE}\n{AFTER}"


@pytest.mark.parametrize(
    "header", ["À lire aussi", "NOTAS RELACIONADAS", "Related stories", "Tags"]
)
def test_the_titles_under_a_related_header_go_with_it(header: str) -> None:
    titles = "Kim Jong-un ratifie le traité\nLes soldats nord-coréens à Koursk\nMardi 12 novembre"
    assert clean_text(f"{BEFORE}\n{header}\n{titles}\n{AFTER}") == f"{BEFORE}\n{AFTER}"


def test_a_list_of_titles_ends_at_a_blank_line_or_a_long_paragraph() -> None:
    long = ("Le traité " + "engage les deux pays à se prêter assistance. " * 5).strip()
    text = f"{BEFORE}\nLire aussi :\nUn titre\n\n{AFTER}\nRelated\nA title\n{long}"
    assert clean_text(text) == f"{BEFORE}\n\n{AFTER}\n{long}"


@pytest.mark.parametrize(
    "prose",
    [
        # the cue words open a sentence, not a link: no separator after them
        "Lire aussi le rapport de l'ONU sur les livraisons d'armes, publié en mai.",
        "Mira Nair a filmé Pyongyang en 2019.",
        "Tags et graffitis couvrent les murs de l'ambassade.",
        "Follow the steps below to read the treaty's text.",
        "Sign up rates at the recruitment offices doubled in October.",
        "Subscribers to the agency's feed received the decree first.",
        "Photographies et vidéos du défilé ont circulé dès le lendemain.",
        "Pour lire la suite du traité, il faut se rendre aux archives de Pyongyang.",
        # a section title alone
        "See also",
        "Voir aussi",
        # a separator, but a paragraph, not a title
        "Read more: "
        + "the treaty binds both countries to mutual military assistance, " * 4
        + "too.",
    ],
)
def test_prose_that_starts_like_a_link_is_kept(prose: str) -> None:
    assert clean_text(f"{BEFORE}\n{prose}\n{AFTER}") == f"{BEFORE}\n{prose}\n{AFTER}"


def test_a_list_of_titles_stops_at_a_sentence() -> None:
    text = f"{BEFORE}\nRelated\nA title\n{AFTER}"
    assert clean_text(text) == f"{BEFORE}\n{AFTER}"


def test_the_filters_rules_are_in_the_extraction_config_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same ``extractor.config_hash`` and trafilatura version, same text: the rules' digest
    is hashed with the options, so a change of the rules changes the hash."""
    from crawler.articles import extract
    from crawler.articles.extract import ExtractOptions

    before = ExtractOptions().config_hash
    monkeypatch.setattr(extract, "RULES_DIGEST", "another filter")
    assert ExtractOptions().config_hash != before
