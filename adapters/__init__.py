"""The domain and its translations: the result store, QTI engines, vendor record builders.

Nothing in this package imports ``gateway`` (DESIGN.md §1).
"""
