"""Layer 1, the time engine: weekly windows, holidays, durations and the compiled calendar.

It knows nothing of policies, tickets or money; every other layer may use it.
"""
