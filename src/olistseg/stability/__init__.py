"""Stability over time: how long a fitted segmentation stays valid, and what that costs.

One concept a module: :mod:`~olistseg.stability.config` (the simulation's configuration,
checked once), :mod:`~olistseg.stability.simulation` (frozen against refitted models over
time), :mod:`~olistseg.stability.cadence` (its results, and the pure functions that turn them
into curves, a cadence, its robustness and the schedule), :mod:`~olistseg.stability.drift`
(PSI, label alignment, migration), :mod:`~olistseg.stability.charts`,
:mod:`~olistseg.stability.contract` (the priced maintenance contract),
:mod:`~olistseg.stability.monitor` (the monthly check) and :mod:`~olistseg.stability.report`
(the ``stability`` command and its outputs). May import: ``value`` and everything below.
"""
