"""Lines that are never article text: comment forms, "read also" links, share bars...

Applied to the text trafilatura returns, as a last guard. The patterns match whole lines
only, so a sentence that merely mentions "commentaire" or "lire aussi" is kept:

- the kinds listed in the seeds README (French news sites, their aggregators and blogs):
  comment forms, share and navigation lines, empty "Vues:" / "Date:" fields;
- links to other articles, in French, English, German, Spanish, Italian, Portuguese and
  Polish: a header ("À lire aussi", "Related stories", "NOTAS RELACIONADAS") and the list
  of titles under it, or one link on its line ("Lire aussi | <title>", "Lea también:
  <title>", "Czytaj też: <title>");
- category and tag lines ("Kategorie: News", "Tags" and the tags under it) and comment
  counters ("3 Kommentare", "View Comments");
- calls to subscribe or follow, short lines that start with one ("Sign up for our
  newsletter", "Abonnieren Sie jetzt ...", "Follow us on Instagram", "Suivez-nous");
- picture credits ("Photo : AFP", "Foto: dpa", "Crédit photo : ...", "Titelbild: ...");
- news sites' page furniture: reading times ("Temps de lecture : 4 min", "3 min read"),
  bookmarks ("Ajouter à mes favoris"), sign-in and paywall lines ("Pour lire la suite",
  "Connectez-vous", "Déjà abonné ?").

Chosen on the DEV pages' leaks (trafilatura-eval's ``without`` snippets), checked to drop
no ``with`` snippet there, and of AEB's gold lines only three the gold keeps: an Italian
"Leggi anche" link and its title, and a "Follow NBC Latino on ..." line (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["RULES_DIGEST", "clean_text"]

_JUNK_LINE = re.compile(
    r"""^\s*(
        laisser\ un\ commentaire | laissez\ un\ commentaire | ajouter\ un\ commentaire
      | s['’]il\ vous\ pla[iî]t\ entrez\ votre\ (nom|commentaire|adresse).*
      | signaler\ (le|ce)\ commentaire | r[ée]pondre | partager\s*:? | partagez\s*:?
      | (spot_img)+ | voir\ l['’]article(\ original.*)? | page\ d['’]accueil\ pour\ retourner.*
      | aller\ (à|a)\ l['’]accueil | aller\ au\ contenu(\ principal)? | fermer | menu
      | vues\s*:? | date\s*:? | articles\ les\ plus\ lus | les\ plus\ lus | publicit[ée]
      | abonnez-vous.* | inscrivez-vous\ (à|a)\ (la|notre)\ newsletter.* | newsletter
      | notre\ dossier\ sur\ .{1,60} | la\ source\ de\ cet\ article\ se\ trouve\ sur\ ce\ site
      | (\d+|no|keine|aucun|sin)\ (comments?|kommentare?|commentaires?|comentarios?)
      | view\ comments | kommentare\ insgesamt\s*:\s*\d+
      | (photo|foto|bild|image|cr[ée]dits?(\ photo)?|bildquelle|beitragsbild|titelbild)
        \s*[:|©].{0,120}
      | (temps\ de\ lecture | lesezeit | reading\ time | tiempo\ de\ lectura)\s*:?\s*\d+\s*min\w*
      | \d+\s*min\w*\.?\ (de\ lecture | read | lesezeit)
      | ajouter\ (à|a)\ (mes|vos)\ favoris | l['’]article\ a\ été\ ajouté\ (à|a)\ vos\ favoris
      | nous\ suivre | inscrivez-vous(\ gratuitement)? | créez\ votre\ compte
      | connectez-vous(\ ici)? | pour\ lire\ la\ suite | pour\ accéder\ en\ illimité
      | déjà\ abonné\s*\? | (-\ )?google\ news
      | (sign\ up\s*: | (sign\ up\ (for|to|here|now) | subscribe | abonnieren
        | jetzt\ (anmelden|abonnieren) | zum\ newsletter | suscr[ií]bete | zapisz\ si[ęe]
        | never\ miss\ the\ latest
        | follow\ (us|.{1,60}\ on\ (twitter|facebook|instagram|linkedin|youtube|tiktok))
        | folgen\ sie\ uns | folgt\ (uns|mir) | suivez-nous | s[ií]guenos)\b).{0,160}
    )\s*[.!:]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_LIST_HEADER = r"""(
    (à|a)\ lire\ (aussi|également|egalement) | lire\ (aussi|également|egalement)
  | lire\ la\ suite | sur\ le\ m[êe]me\ sujet | pages\ les\ plus\ populaires
  | read\ (more|also) | also\ read | related(\ (articles?|stories|posts|news))?
  | more\ on\ this(\ story|\ topic)? | you\ (may|might)\ also\ like
  | lesen\ sie\ (auch|mehr)(\ die\ folgenden\ beitr[äa]ge)? | auch\ lesen | lies\ auch
  | weiterlesen | mehr\ zum\ thema | passend\ zum\ thema
  | das\ (thema\ )?k[öo]nnte\ (sie|dich)\ auch\ interessieren
  | weitere\ (artikel|beitr[äa]ge)(\ zum\ thema)?
  | le[ae]\ (tambi[ée]n|m[áa]s) | leer\ m[áa]s | (tambi[ée]n\ )?(le|te)\ puede\ interesar
  | ve[ar]\ tambi[ée]n | not(as|icias)\ relacionad[ao]s | contenido\ relacionado
  | czytaj\ (te[żz]|tak[żz]e|wi[ęe]cej) | przeczytaj\ (te[żz]|tak[żz]e) | zobacz\ (te[żz]|tak[żz]e)
  | leggi\ anche | leia\ (tamb[ée]m|mais) | veja\ tamb[ée]m
  | categor(y|ies) | kategorien? | cat[ée]gories? | tags? | schlagw[öo]rter | stichw[öo]rter
  | etiquetas | mots[-\ ]cl[ée]s | temas
)"""
_RELATED_HEADER = re.compile(rf"^\s*{_LIST_HEADER}\s*:?\s*$", re.IGNORECASE | re.VERBOSE)
"""A line that heads a list of links: the short lines under it go with it."""
_RELATED_LINK = re.compile(
    rf"""^\s*(
        {_LIST_HEADER} | lea | mir[ae] | see\ also | siehe\ auch | (à\ |a\ )?voir\ aussi
        | vedi\ anche
    )\s*[:|»›–—-]\s*\S.{{0,200}}$""",
    re.IGNORECASE | re.VERBOSE,
)
"""One link (or category line) on its own line: a cue, a separator, a title. "See also",
"Mira" and the like only count followed by a separator: alone, they may be a section's
title or a name."""
_SENTENCE_END = re.compile(r"(?<![.…])[.!:]$")
"""A paragraph's end: a list of links (titles) stops at the first line that has one."""
_LIST_ITEM_CHARS = 200
"""A list of links stops at the first line at least this long: a paragraph, not a title."""


_REVISION = 2
"""Raise when :func:`clean_text` changes its output without a pattern changing."""
_RULES = (_REVISION, _LIST_ITEM_CHARS, _JUNK_LINE, _RELATED_HEADER, _RELATED_LINK, _SENTENCE_END)
RULES_DIGEST = hashlib.sha256(
    "\n".join(str(getattr(rule, "pattern", rule)) for rule in _RULES).encode()
).hexdigest()[:16]
"""The filter's rules, in every article's ``extractor.config_hash``: the same hash and
trafilatura version, the same text."""


def clean_text(text: str) -> str:
    """Drop junk lines and the list of links under a "related articles" header; squeeze blanks.

    Under a header, the short lines (titles, under 200 characters) are dropped until a blank
    line, a long paragraph or a line ending a sentence ends the list.
    """
    kept: list[str] = []
    in_list = False
    for line in text.splitlines():
        stripped = line.strip()
        if in_list:
            if stripped and len(stripped) < _LIST_ITEM_CHARS and not _SENTENCE_END.search(stripped):
                continue
            in_list = False
        if _RELATED_HEADER.match(stripped):
            in_list = True
            continue
        if _JUNK_LINE.match(stripped) or _RELATED_LINK.match(stripped):
            continue
        if not stripped and (not kept or not kept[-1].strip()):
            continue
        kept.append(stripped)
    return "\n".join(kept).strip()
