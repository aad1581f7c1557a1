"""Layer 3, policies: the run-time model (severities, targets, plans, families), the
policy-file format (pydantic models, JSON Schema, loader) and the built-in TOML files.

Plans delegate their ``deadline``/``evaluate``/``price`` methods down to the
evaluation and billing layers.
"""
