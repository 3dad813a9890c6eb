"""Names people read for the model's own identifiers: the selection rule's settings and the
customer features (the report's persona tables and the deck's method slide)."""

from __future__ import annotations

#: The selection rule's settings (``selection.json``'s ``rule``): label, and how the value reads
#: (``share``: a percentage; ``number``: as is).
RULES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "min_k": ("Fewest segments", "number"),
        "max_k": ("Most segments", "number"),
        "min_segment_share": ("Smallest segment, at least", "share"),
        "max_segment_share": ("Largest segment, at most", "share"),
        "min_stability": ("Stability between refits (ARI), at least", "number"),
        "min_reproducibility": ("Same segments from other seeds (ARI), at least", "number"),
        "max_noise_share": ("Customers left unassigned, at most", "share"),
        "value_weight": ("Weight of out-of-time value in the score", "number"),
    },
    "fr": {
        "min_k": ("Nombre minimal de segments", "number"),
        "max_k": ("Nombre maximal de segments", "number"),
        "min_segment_share": ("Plus petit segment, au moins", "share"),
        "max_segment_share": ("Plus grand segment, au plus", "share"),
        "min_stability": ("Stabilité entre réentraînements (ARI), au moins", "number"),
        "min_reproducibility": ("Mêmes segments avec d'autres graines (ARI), au moins", "number"),
        "max_noise_share": ("Clients sans segment, au plus", "share"),
        "value_weight": ("Poids de la valeur hors échantillon dans le score", "number"),
    },
}

#: Customer features (``olistseg.features.build.NUMERIC_FEATURES``): label with its unit, and
#: the digits and kind its value reads with (``share``: a percentage).
FEATURES: dict[str, dict[str, tuple[str, int, str]]] = {
    "en": {
        "recency_days": ("Days since the last purchase", 0, "number"),
        "frequency": ("Purchase occasions", 2, "number"),
        "n_orders": ("Orders", 2, "number"),
        "monetary": ("Spend to date (BRL)", 0, "number"),
        "avg_order_value": ("Average order value (BRL)", 0, "number"),
        "n_items": ("Items bought", 1, "number"),
        "n_categories": ("Product categories", 2, "number"),
        "avg_review_score": ("Average review (stars)", 1, "number"),
        "share_low_reviews": ("Reviews of 1-2 stars", 0, "share"),
        "has_review": ("Left a review", 0, "share"),
        "avg_delivery_days": ("Delivery time (days)", 1, "number"),
        "avg_delay_days": ("Days against the estimate (negative = early)", 1, "number"),
        "late_share": ("Orders delivered late", 0, "share"),
        "avg_installments": ("Installments per payment", 1, "number"),
        "share_credit_card": ("Paid by credit card", 0, "share"),
        "share_boleto": ("Paid by boleto", 0, "share"),
        "share_voucher": ("Paid by voucher", 0, "share"),
        "freight_ratio": ("Freight as a share of the price", 0, "share"),
        "tenure_days": ("Days since the first purchase", 0, "number"),
    },
    "fr": {
        "recency_days": ("Jours depuis le dernier achat", 0, "number"),
        "frequency": ("Achats (jours distincts)", 2, "number"),
        "n_orders": ("Commandes", 2, "number"),
        "monetary": ("Dépense à ce jour (BRL)", 0, "number"),
        "avg_order_value": ("Panier moyen (BRL)", 0, "number"),
        "n_items": ("Articles achetés", 1, "number"),
        "n_categories": ("Catégories de produits", 2, "number"),
        "avg_review_score": ("Note moyenne (étoiles)", 1, "number"),
        "share_low_reviews": ("Avis à 1-2 étoiles", 0, "share"),
        "has_review": ("A laissé un avis", 0, "share"),
        "avg_delivery_days": ("Délai de livraison (jours)", 1, "number"),
        "avg_delay_days": ("Jours par rapport à la date prévue (négatif = en avance)", 1, "number"),
        "late_share": ("Commandes livrées en retard", 0, "share"),
        "avg_installments": ("Mensualités par paiement", 1, "number"),
        "share_credit_card": ("Payé par carte de crédit", 0, "share"),
        "share_boleto": ("Payé par boleto", 0, "share"),
        "share_voucher": ("Payé par bon d'achat", 0, "share"),
        "freight_ratio": ("Frais de port rapportés au prix", 0, "share"),
        "tenure_days": ("Jours depuis le premier achat", 0, "number"),
    },
}

#: The delivery-delay buckets of ``sql/kpi/score_by_lateness.sql``, as the charts name them.
LATENESS: dict[str, dict[str, str]] = {
    "en": {
        "on time": "on time",
        "0-3 days": "0-3 days late",
        "3-7 days": "3-7 days late",
        "7-14 days": "7-14 days late",
        "14+ days": "14+ days late",
    },
    "fr": {
        "on time": "à l'heure",
        "0-3 days": "0 à 3 jours de retard",
        "3-7 days": "3 à 7 jours de retard",
        "7-14 days": "7 à 14 jours de retard",
        "14+ days": "plus de 14 jours de retard",
    },
}

#: Column names of the KPI answers (``sql/kpi/*.sql``) and of their aggregates in deliverables.
KPI_COLUMNS: dict[str, dict[str, str]] = {
    "en": {
        "measure": "Measure",
        "min / count": "Min / count",
        "median": "Median",
        "max": "Max",
        "rows": "Rows",
        "days_late": "Days late",
        "revenue": "Revenue (BRL)",
        "freight": "Freight (BRL)",
        "orders": "Orders",
        "items": "Items",
        "items_sold": "Items sold",
        "zip_code_prefix": "Zip code prefix",
        "city": "City",
        "state": "State",
        "reviews": "Reviews",
        "mean_score": "Mean review (stars)",
    },
    "fr": {
        "measure": "Mesure",
        "min / count": "Min. / nombre",
        "median": "Médiane",
        "max": "Max.",
        "rows": "Lignes",
        "days_late": "Jours de retard",
        "revenue": "Chiffre d'affaires (BRL)",
        "freight": "Frais de port (BRL)",
        "orders": "Commandes",
        "items": "Articles",
        "items_sold": "Articles vendus",
        "zip_code_prefix": "Préfixe de code postal",
        "city": "Ville",
        "state": "État",
        "reviews": "Avis",
        "mean_score": "Note moyenne (étoiles)",
    },
}
