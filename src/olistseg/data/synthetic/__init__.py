"""A seeded synthetic marketplace in the Olist schema, fast at any size.

The generator writes the nine Kaggle files, so the loader cannot tell them from the real download.
Its parameters are calibrated on the real tables (see ``tests/test_synthetic.py``, which checks
the result against statistics computed from ``../shared/data/olist``):

* about 97% of customers place a single order;
* the review-score mix and the late-delivery rate are close to the real ones, and late orders
  get lower scores;
* payment types, installments, the 27 states (Sao Paulo about 42%), growing order volume,
  log-normal prices and freight.

Customers belong to one of four planted behaviour groups (:data:`GROUPS`) whose mix changes at
``change_date``: the stability analysis has a real signal to find. The ground truth is written to
``_truth/customer_groups.csv`` beside the tables (the loader ignores it).

Everything is vectorised with numpy; memory grows linearly with the number of customers.
"""

from __future__ import annotations

from olistseg.data.synthetic.distributions import GROUPS, Group
from olistseg.data.synthetic.files import CHUNK_CUSTOMERS, write
from olistseg.data.synthetic.generate import SyntheticConfig, generate

__all__ = ["CHUNK_CUSTOMERS", "GROUPS", "Group", "SyntheticConfig", "generate", "write"]
