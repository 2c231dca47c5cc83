"""Lines that are never article text: comment forms, "A lire aussi" lists, share bars...

Applied to the text trafilatura returns, as a last guard. The patterns are the kinds listed
in the seeds README (French news sites, their aggregators and blogs); they match whole lines
only, so a sentence that merely mentions "commentaire" is kept.
"""

from __future__ import annotations

import re

__all__ = ["clean_text"]

_JUNK_LINE = re.compile(
    r"""^\s*(
        laisser\ un\ commentaire | laissez\ un\ commentaire | ajouter\ un\ commentaire
      | s['’]il\ vous\ pla[iî]t\ entrez\ votre\ (nom|commentaire|adresse).* | \d+\ commentaires?
      | signaler\ (le|ce)\ commentaire | r[ée]pondre | partager\s*:? | partagez\s*:?
      | (spot_img)+ | voir\ l['’]article(\ original.*)? | page\ d['’]accueil\ pour\ retourner.*
      | aller\ (à|a)\ l['’]accueil | aller\ au\ contenu(\ principal)? | fermer | menu
      | vues\s*:? | date\s*:? | (à|a)\ lire\ aussi\s*:? | lire\ aussi\s*:? | sur\ le\ m[êe]me\ sujet
      | pages\ les\ plus\ populaires | articles\ les\ plus\ lus | les\ plus\ lus | publicit[ée]
      | abonnez-vous.* | inscrivez-vous\ (à|a)\ (la|notre)\ newsletter.* | newsletter
      | notre\ dossier\ sur\ .{1,60} | la\ source\ de\ cet\ article\ se\ trouve\ sur\ ce\ site
    )\s*[.!:]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_RELATED_HEADER = re.compile(
    r"^\s*((à|a) lire aussi|lire aussi|sur le même sujet|pages les plus populaires)\s*:?\s*$",
    re.IGNORECASE,
)


def clean_text(text: str) -> str:
    """Drop junk lines and the list that follows a "related articles" header; squeeze blanks.

    After a related-articles header, following short lines (link titles, under 200
    characters) are dropped until a long paragraph or a blank line ends the list.
    """
    kept: list[str] = []
    in_related = False
    for line in text.splitlines():
        stripped = line.strip()
        if in_related:
            if stripped and len(stripped) < 200:
                continue
            in_related = False
        if _RELATED_HEADER.match(stripped):
            in_related = True
            continue
        if _JUNK_LINE.match(stripped):
            continue
        if not stripped and (not kept or not kept[-1].strip()):
            continue
        kept.append(stripped)
    return "\n".join(kept).strip()
