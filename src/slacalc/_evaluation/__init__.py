"""Layer 2, evaluation: tickets and their events, clocks, outcomes and service credits.

Pure functions over the time engine. Plans and policies appear here only as
types (``TYPE_CHECKING`` imports): the policy layer above calls into this one.
"""
