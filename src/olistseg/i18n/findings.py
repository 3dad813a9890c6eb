"""Findings (olistseg.deliverables.findings): one sentence per rule, filled with the run's numbers."""

from __future__ import annotations

EN: dict[str, str] = {
    "f_lateness": "Orders more than a week late get a mean review of {late}, against {on_time} on time ({orders:,} such orders): delivery delay is the strongest lever on satisfaction.",
    "f_late_state": "Deliveries to {state} are late {rate:.0%} of the time, against {overall:.0%} overall ({orders:,} delivered orders).",
    "f_worst_zips": "The {zips} zip codes with the worst reviews include {count} in {city} ({state}).",
    "f_repeat_orders": "Only {rate:.1%} of {customers:,} customers placed two or more orders: winning a second purchase matters more than loyalty perks.",
    "f_repeat": "Only {rate:.1%} of {customers:,} customers placed two or more orders, and {occasion_rate:.1%} of the {occasion_customers:,} with a delivered order came back on another day: winning a second purchase matters more than loyalty perks.",
    "f_segments": "{k} segments, each with its own campaign; the largest, {name}, holds {share:.1%} of customers.",
    "f_validation_beats": "The segments rank who buys again better than an RFM rule: AUC {auc} against {rfm} (random segments: {random}).",
    "f_validation_behind": "The segments rank who buys again below an RFM rule (AUC {auc} against {rfm}; random segments: {random}): use them for the message, and the lifetime-value score to choose who to contact.",
    "f_validation_behind_noise": "The segments rank who buys again below an RFM rule (AUC {auc} against {rfm}; random segments: {random}); the gap is within sampling noise at {within} of {origins} origins (95% bootstrap interval): use the segments for the message, and the lifetime-value score to choose who to contact.",
    "f_lift": "{name} are {lift} times as likely as the average customer to buy again.",
    "f_value_segments": "The repeat and high-value segments hold {customers:.1%} of customers but {revenue:.1%} of the revenue of the next {horizon} days.",
    "f_clv": "{name} hold {customers:.1%} of customers and {value:.0%} of the expected value of the next 12 months.",
    "f_clv_check_beats": "The purchase forecast (BG/NBD) errs by {mae:.4f} occasions per customer (median over {origins} origins), against {naive:.4f} for the customer's past rate; forecasting that nobody returns errs by {zero:.4f}, so use it to rank and size campaigns, not to promise sales.",
    "f_clv_check_behind": "The purchase forecast (BG/NBD) errs by {mae:.4f} occasions per customer (median over {origins} origins), worse than the customer's past rate ({naive:.4f}): do not use it to rank customers on this data.",
    "f_cadence": "Retrain the segments {schedule} ({per_year} retrains a year), checked monthly; the maintenance contract costs {cost:,.0f} {currency} a year.",
    "f_no_cadence": "No retrain cadence can be set: the model does not reproduce itself across seeds.",
    "f_audiences": "{promotional:,} customers can receive a promotional campaign; {suppressed:,} get the service-recovery contact only (a bad review or a failed order in the last {days} days).",
    "f_tail": "The data is complete until {until}; {months} hold almost no orders (the export stopped, not the customers): every figure stops there.",
}

FR: dict[str, str] = {
    "f_lateness": "Les commandes livrées avec plus d'une semaine de retard reçoivent une note moyenne de {late}, contre {on_time} à l'heure ({orders:,} commandes) : le retard de livraison est le premier levier de satisfaction.",
    "f_late_state": "Les livraisons vers {state} sont en retard dans {rate:.0%} des cas, contre {overall:.0%} en moyenne ({orders:,} commandes livrées).",
    "f_worst_zips": "Parmi les {zips} codes postaux aux pires avis, {count} sont à {city} ({state}).",
    "f_repeat_orders": "Seuls {rate:.1%} des {customers:,} clients ont passé deux commandes ou plus : obtenir un deuxième achat compte plus que les avantages de fidélité.",
    "f_repeat": "Seuls {rate:.1%} des {customers:,} clients ont passé deux commandes ou plus, et {occasion_rate:.1%} des {occasion_customers:,} clients livrés sont revenus acheter un autre jour : obtenir un deuxième achat compte plus que les avantages de fidélité.",
    "f_segments": "{k} segments, chacun avec sa campagne ; le plus grand, {name}, regroupe {share:.1%} des clients.",
    "f_validation_beats": "Les segments classent mieux qu'une règle RFM les clients qui rachètent : AUC {auc} contre {rfm} (segments aléatoires : {random}).",
    "f_validation_behind": "Les segments classent les clients qui rachètent moins bien qu'une règle RFM (AUC {auc} contre {rfm} ; segments aléatoires : {random}) : les utiliser pour le message, et la valeur client pour choisir qui contacter.",
    "f_validation_behind_noise": "Les segments classent les clients qui rachètent moins bien qu'une règle RFM (AUC {auc} contre {rfm} ; segments aléatoires : {random}) ; l'écart reste dans le bruit d'échantillonnage à {within} origines sur {origins} (intervalle bootstrap à 95 %) : utiliser les segments pour le message, et la valeur client pour choisir qui contacter.",
    "f_lift": "Les {name} ont {lift} fois plus de chances que le client moyen de racheter.",
    "f_value_segments": "Les segments fidèles et à forte valeur regroupent {customers:.1%} des clients mais {revenue:.1%} du chiffre d'affaires des {horizon} jours suivants.",
    "f_clv": "Les {name} regroupent {customers:.1%} des clients et {value:.0%} de la valeur attendue des 12 prochains mois.",
    "f_clv_check_beats": "La prévision d'achats (BG/NBD) se trompe de {mae:.4f} achat par client (médiane sur {origins} origines), contre {naive:.4f} pour le rythme passé du client ; prévoir que personne ne revient se trompe de {zero:.4f} : s'en servir pour classer et dimensionner les campagnes, pas pour promettre des ventes.",
    "f_clv_check_behind": "La prévision d'achats (BG/NBD) se trompe de {mae:.4f} achat par client (médiane sur {origins} origines), plus que le rythme passé du client ({naive:.4f}) : ne pas s'en servir pour classer les clients sur ces données.",
    "f_cadence": "Réentraîner les segments {schedule} ({per_year} réentraînements par an), avec un contrôle mensuel ; le contrat de maintenance coûte {cost:,.0f} {currency} par an.",
    "f_no_cadence": "Aucune fréquence de réentraînement ne peut être fixée : le modèle ne se reproduit pas d'une graine à l'autre.",
    "f_audiences": "{promotional:,} clients peuvent recevoir une campagne promotionnelle ; {suppressed:,} ne reçoivent que le contact de rattrapage (un mauvais avis ou une commande en échec dans les {days} derniers jours).",
    "f_tail": "Les données sont complètes jusqu'au {until} ; {months} ne contiennent presque aucune commande (l'export s'est arrêté, pas les clients) : tous les chiffres s'arrêtent là.",
}
