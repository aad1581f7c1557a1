"""Layer 4, files: the readers and writers of ticket, contract and record files that
every command shares.
"""
