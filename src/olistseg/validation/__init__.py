"""Out-of-time validation: do segments predict what customers do next?

:mod:`~olistseg.validation.metrics` (AUC of segment-mean repurchase, lifts) and
:mod:`~olistseg.validation.baselines` (RFM scoring, random segments) are pure functions of
labels and outcomes; :mod:`~olistseg.validation.replay` fits a configuration at an origin
and scores it on the window after. The ``olistseg validate`` command is
:func:`olistseg.validation.run.run_validation`.
"""
