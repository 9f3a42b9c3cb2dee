"""``tiger dashboard``: a web dashboard of queues, tasks and errors (Flask + waitress).

Flask and waitress come with the ``dashboard`` extra; only :mod:`.command` is
imported by the ``tiger`` group, and it imports Flask when the command runs.
"""
