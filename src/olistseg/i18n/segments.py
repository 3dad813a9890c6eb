"""Segment names and actions per language, and the qualifiers that tell two segments apart.

The naming rules (:mod:`olistseg.segments.naming`) decide which key a segment gets; this is what
each key is called, and what campaign it gets, in every language. A segment's label is
structured - its rule ``key``, an optional ``qualifier`` key (when two segments share a rule)
and a ``rank`` (when they still do) - and rendered per language by
:func:`olistseg.i18n.segment_name`.
"""

from __future__ import annotations

#: Each rule key's (name, action) per language.
SEGMENTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "late_let_down": (
            "Let down by late delivery",
            "Apologise with a voucher and a delivery guarantee; fix the logistics that failed them before any promotion.",
        ),
        "dissatisfied": (
            "Dissatisfied customers",
            "Service-recovery contact: ask what went wrong and offer a make-good; keep them out of promotional pushes until resolved.",
        ),
        "late_satisfied": (
            "Delivered late, still satisfied",
            "Thank them for their patience with a delivery promise on the next order, before a second delay turns into a bad review.",
        ),
        "lapsed_loyal": (
            "Lapsed repeat buyers",
            "Personal reactivation offer from the loyalty programme: they bought several times, then stopped.",
        ),
        "loyal": (
            "Loyal repeat buyers",
            "Loyalty programme: early access, points and referral rewards.",
        ),
        "recent_premium": (
            "Recent high-ticket buyers",
            "Welcome series that suggests a second higher-ticket item with interest-free installments.",
        ),
        "dormant_premium": (
            "Dormant high-ticket buyers",
            "Win-back on higher-ticket items with interest-free installments; stop after two unanswered contacts.",
        ),
        "big_spenders": (
            "Big spenders",
            "Premium cross-sell and personalised recommendations in their categories.",
        ),
        "installments": (
            "Installment shoppers",
            "Interest-free installment offers on higher-ticket items.",
        ),
        "recent": (
            "Recent first-time buyers",
            "Welcome series with a second-purchase incentive within 30 days.",
        ),
        "cooling": (
            "Cooling first-time buyers",
            "Second-purchase nudge: a reminder of their category with a time-limited incentive, before they lapse.",
        ),
        "dormant": (
            "Dormant one-off buyers",
            "Win-back campaign with a time-limited discount; stop after two unanswered contacts.",
        ),
        "core": (
            "Core satisfied customers",
            "Regular newsletter and seasonal promotions.",
        ),
    },
    "fr": {
        "late_let_down": (
            "Déçus par une livraison en retard",
            "S'excuser avec un bon d'achat et une garantie de livraison ; corriger la logistique en cause avant toute promotion.",
        ),
        "dissatisfied": (
            "Clients insatisfaits",
            "Contact de rattrapage : demander ce qui n'a pas marché et proposer un geste ; pas de promotion avant résolution.",
        ),
        "late_satisfied": (
            "Livrés en retard, encore satisfaits",
            "Les remercier de leur patience avec une promesse de livraison sur la prochaine commande, avant qu'un second retard ne devienne un mauvais avis.",
        ),
        "lapsed_loyal": (
            "Acheteurs réguliers en sommeil",
            "Offre de réactivation personnelle du programme de fidélité : ils ont acheté plusieurs fois, puis se sont arrêtés.",
        ),
        "loyal": (
            "Acheteurs fidèles",
            "Programme de fidélité : accès anticipé, points et parrainage.",
        ),
        "recent_premium": (
            "Nouveaux acheteurs à gros panier",
            "Série de bienvenue qui propose un deuxième article plus cher, payable en plusieurs fois sans frais.",
        ),
        "dormant_premium": (
            "Gros paniers inactifs",
            "Reconquête sur des articles plus chers, payables en plusieurs fois sans frais ; arrêter après deux relances sans réponse.",
        ),
        "big_spenders": (
            "Gros acheteurs",
            "Ventes croisées premium et recommandations personnalisées dans leurs catégories.",
        ),
        "installments": (
            "Adeptes du paiement en plusieurs fois",
            "Offres de paiement en plusieurs fois sans frais sur les articles plus chers.",
        ),
        "recent": (
            "Nouveaux acheteurs récents",
            "Série de bienvenue avec une incitation au deuxième achat sous 30 jours.",
        ),
        "cooling": (
            "Primo-acheteurs à relancer",
            "Relance pour un deuxième achat : un rappel de leur catégorie avec une incitation limitée dans le temps, avant qu'ils ne décrochent.",
        ),
        "dormant": (
            "Clients d'un seul achat, inactifs",
            "Campagne de reconquête avec une remise limitée dans le temps ; arrêter après deux relances sans réponse.",
        ),
        "core": ("Clients satisfaits", "Newsletter régulière et promotions saisonnières."),
    },
}

#: The qualifier keys of :func:`olistseg.segments.naming.name_segments`, per language.
QUALIFIERS: dict[str, dict[str, str]] = {
    "en": {
        "recent": "recent",
        "long_ago": "long ago",
        "higher_spend": "higher spend",
        "lower_spend": "lower spend",
    },
    "fr": {
        "recent": "récents",
        "long_ago": "anciens",
        "higher_spend": "dépense élevée",
        "lower_spend": "dépense faible",
    },
}

#: Each naming rule's condition in words (``olistseg.segments.naming.RULES``), in French; the
#: English is the rule's own ``why``. "sd": standard deviations of the segment means.
RULE_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "late_let_down": "part de retards >= +1 écart-type et note <= -0,3 écart-type",
        "dissatisfied": "note <= -0,8 écart-type",
        "late_satisfied": "part de retards >= +1 écart-type, note pas basse",
        "lapsed_loyal": "achats >= +1 écart-type et dernier achat médian il y a plus de 180 jours",
        "loyal": "achats >= +1 écart-type",
        "recent_premium": "ancienneté du dernier achat marquée (|z| >= 0,6), médiane d'au plus 60 jours, et dépense ou mensualités >= +0,8 écart-type",
        "dormant_premium": "ancienneté du dernier achat marquée (|z| >= 0,6), médiane de plus de 180 jours, et dépense ou mensualités >= +0,8 écart-type",
        "big_spenders": "dépense >= +0,8 écart-type",
        "installments": "mensualités >= +0,8 écart-type",
        "recent": "ancienneté du dernier achat marquée (|z| >= 0,6), médiane d'au plus 60 jours",
        "cooling": "ancienneté du dernier achat marquée (|z| >= 0,6), médiane de 60 à 180 jours",
        "dormant": "ancienneté du dernier achat marquée (|z| >= 0,6), médiane de plus de 180 jours",
        "core": "aucun trait ne ressort",
    },
}
