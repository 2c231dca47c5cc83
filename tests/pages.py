"""Fixture pages for extraction tests: seed-based French articles wrapped in realistic junk."""

from __future__ import annotations

from pathlib import Path

DEMO_ARTICLES = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "site" / "articles"

JUNK = (
    "LAISSER UN COMMENTAIRE",
    "S'il vous plaît entrez",
    "spot_img",
    "A lire aussi",
    "Pages les plus populaires",
    "Aller à l'accueil",
    "Voir l’article",
    "Vues:",
    "Date:",
    "PARTAGER",
    "Signaler le commentaire",
    "Quel scandale, je me désabonne",
)

PARAGRAPHS = [
    "Alors que la guerre continue de faire rage en Ukraine, Pyongyang et Moscou sont "
    "officiellement militairement main dans la main. La Corée du Nord a ratifié l’accord de "
    "défense historique avec la Russie, rapporte ce mardi l’agence officielle KCNA.",
    "L’accord « a été ratifié sous la forme d’un décret » signé par le dirigeant nord-coréen "
    "Kim Jong-un le 11 novembre, précise KCNA, au lendemain de l’annonce à Moscou que le "
    "président russe a également signé ce traité de défense mutuelle.",
    "L’accord engage également les deux pays à coopérer au niveau international pour "
    "s’opposer aux sanctions occidentales et coordonner leurs positions aux Nations unies. "
    "La ministre Choe Son Hui s’est récemment rendue à Moscou.",
]


def dirty_article(charset_meta: str = "utf-8") -> str:
    """Junk of every kind the seeds show, much of it inside the article container."""
    body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="fr"><head>
<meta charset="{charset_meta}"><title>La Corée du Nord ratifie l’accord de défense</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-11-12T08:00:00+01:00">
</head><body>
<nav><a href="/">Aller à l'accueil</a> <a href="/monde">Monde</a></nav>
<article>
<h1>La Corée du Nord ratifie l’accord de défense</h1>
<div class="meta"><span>Vues:</span> <span>Date:</span></div>
<div class="ph">spot_imgspot_img</div>
{body}
<div class="share">PARTAGER:</div>
<div class="related"><h3>A lire aussi</h3><ul>
<li><a href="/a">Des agriculteurs manifestent contre l'accord du Mercosur</a></li>
<li><a href="/b">Le logo de Shein au Bazar de l'Hôtel de Ville</a></li></ul></div>
<p><a href="/orig">Voir l’article</a></p>
</article>
<section id="comments"><h3>6 commentaires</h3>
<div class="comment"><p>Quel scandale, je me désabonne de ce journal immédiatement !</p>
<a href="#">Signaler le commentaire</a></div>
<h3>LAISSER UN COMMENTAIRE</h3>
<form><textarea placeholder="S'il vous plaît entrez votre commentaire!"></textarea>
<input placeholder="S'il vous plaît entrez votre nom ici"></form></section>
<aside><h3>Pages les plus populaires</h3><ul><li><a href="/p">Une autre page</a></li></ul></aside>
</body></html>"""
