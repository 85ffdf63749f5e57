"""RECONCILE: other archives match their catalogues to ours through the W3C Reconciliation Service API 0.2.

* :mod:`lodfilm.reconcile.names` — the names and identifiers matched against, a table per store checkpoint;
* :mod:`lodfilm.reconcile.matching` — the features and scores of candidates, and when a match is sure;
* :mod:`lodfilm.reconcile.service` — the protocol's documents: manifest, result batches, suggest, extension.

The HTTP face is :mod:`lodfilm.web.reconcile` (``/reconcile``).
"""

from lodfilm.reconcile.names import Names, Tables
from lodfilm.reconcile.service import BatchTooLarge, ReconcileError, Service

__all__ = ["BatchTooLarge", "Names", "ReconcileError", "Service", "Tables"]
