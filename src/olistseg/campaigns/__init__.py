"""From segments to campaigns a team can launch, and a readout that says whether they worked.

Owns: the Brazilian retail calendar (``calendar``), campaign costs (``costs``), random
deterministic holdouts and their balance (``holdout``), power and the minimum detectable lift
(``power``, statsmodels), the campaign plan (``plan``), the readout (``readout``) and the
planted-effect harness that tests it (``harness``). May import ``stability`` (the currency)
and everything below: segments, validation's baselines, value's audiences, features,
warehouse.
"""
