"""Interop tests' helpers: drive PyPI's TaskTiger from its own virtualenv."""
