"""``tiger``: the admin command (queues, tasks, errors, pause, enqueue)."""
