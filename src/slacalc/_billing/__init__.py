"""Layer 2, billing: plan prices in ``Decimal``, proration, and the ProAuth escalation ledger.

A sibling of evaluation: the two never import each other.
"""
