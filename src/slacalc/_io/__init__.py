"""Reading and writing slacalc's files: policy files (TOML/JSON) and the built-in policies.

Everything here turns outside data into the runtime objects of ``slacalc._policy``
and turns every validation problem into a :class:`slacalc.exceptions.PolicyFileError`
that names the file, the line, the key, the bad value and what was expected.
"""
