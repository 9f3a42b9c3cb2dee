"""The task model: states, payloads, execution records, queue names."""
