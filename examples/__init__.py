"""Examples of Tiger tasks and the ``make demo`` script."""
