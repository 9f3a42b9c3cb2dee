"""Fault and bad-input tests (marker ``chaos``); see shared/reliability-plan.md."""
