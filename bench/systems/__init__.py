"""One side script per system; each runs a scenario and prints a JSON result.

``common`` holds what every side shares and imports only the standard library and
redis-py (it also runs inside TaskTiger's own venv, with redis-py 4.6).
"""
