"""Layer 5, analysis: the vectorised frame engine, attainment, plots and the HTML report.

Needs the optional ``pandas`` / ``plot`` extras; the public faces are
``slacalc.pandas`` and ``slacalc.plotting``.
"""
