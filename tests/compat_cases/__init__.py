"""Facade test cases run on every store (mixins; concrete classes supply ``tiger``)."""
