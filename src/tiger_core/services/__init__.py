"""Use cases of the core: enqueue, run a worker cycle, settle an execution."""
