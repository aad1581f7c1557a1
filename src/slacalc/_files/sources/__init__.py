"""Helpdesk exports in, slacalc tickets out: one reader per helpdesk (the public face is :mod:`slacalc.sources`)."""
