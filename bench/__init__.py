"""Benchmarks: Tiger side by side with PyPI TaskTiger and RQ (``make bench``)."""
