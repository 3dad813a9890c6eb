"""Out-of-time validation: do segments predict what customers do next?

Owns: :mod:`~olistseg.validation.metrics` (AUC of segment-mean repurchase, lifts, the paired
bootstrap) and :mod:`~olistseg.validation.baselines` (RFM scoring, random segments), pure
functions of labels and outcomes; :mod:`~olistseg.validation.replay`, which fits a
configuration at an origin and scores it on the window after; and the ``olistseg validate``
step, :func:`olistseg.validation.run.run_validation`. May import: ``segments`` and everything
below.
"""
