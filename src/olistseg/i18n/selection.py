"""Why the selection rule chose its candidate (olistseg.models.selection.why_record), in words."""

from __future__ import annotations

WHY: dict[str, dict[str, str]] = {
    "en": {
        "why_same": "the chosen candidate is also the highest-silhouette one",
        "why_ineligible": "{name} is not eligible: {failed}",
        "why_unreproducible": "{name} does not reproduce across seeds (mean ARI {ari})",
        "why_lower": "{name} has a lower combined score ({score} against {chosen_score}; out-of-time AUC {auc} against {chosen_auc})",
        "name": "{algorithm} with {k} segments (silhouette {silhouette})",
        "sep": "; ",
        "usable": "it could not be scored",
        "noise": "too much noise",
        "smallest": "a segment under the minimum size",
        "k_range": "a number of segments outside the range",
        "actions": "two segments would share an action",
        "largest": "its largest segment is over the cap ({largest})",
        "stability": "bootstrap stability under the threshold",
        "value": "it ranks repurchase below the RFM scoring beyond sampling noise",
    },
    "fr": {
        "why_same": "le candidat retenu est aussi celui de plus forte silhouette",
        "why_ineligible": "{name} n'est pas éligible : {failed}",
        "why_unreproducible": "{name} ne se reproduit pas d'une graine à l'autre (ARI moyen {ari})",
        "why_lower": "{name} a un score combiné plus faible ({score} contre {chosen_score} ; AUC sur la période suivante {auc} contre {chosen_auc})",
        "name": "{algorithm} à {k} segments (silhouette {silhouette})",
        "sep": " ; ",
        "usable": "il n'a pas pu être évalué",
        "noise": "trop de bruit",
        "smallest": "un segment sous la taille minimale",
        "k_range": "un nombre de segments hors de la plage",
        "actions": "deux segments partageraient une action",
        "largest": "son plus grand segment dépasse le plafond ({largest})",
        "stability": "stabilité bootstrap sous le seuil",
        "value": "il classe le rachat moins bien que le score RFM, au-delà du bruit d'échantillonnage",
    },
}
