"""The "how it is measured" part of docs/benchmarks.md."""

METHOD = """
## Method

- One private `redis-server` (free loopback port, `--save "" --appendonly no`) for the
  whole run; `FLUSHALL` before every run; repetitions interleave the three systems so
  that drifting load hits them alike. Each system runs as its own subprocess: Tiger and
  RQ from the project's `.venv` (RQ from the `bench` extra), TaskTiger 0.26.3 from
  `.venv-tasktiger` (it pins redis-py < 5). Every system runs in its default
  configuration (TaskTiger and Tiger with `setup_structlog=True`; worker logs go to a
  file), with two exceptions: in the drain scenarios (fork and sync drain, worker RSS,
  commands per task, subqueues) Tiger runs with `PREFETCH_TASKS=10`, i.e. with
  prefetching opted in (off by default: on a worker crash, prefetched tasks that never
  started are recovered like running ones; see the README's "Prefetching"); and with
  the fork executor (fork drain, commands per task, pickup latency) Tiger runs with
  `FORK_SERVER=True` (off by default: children are forked from a small fork server, so
  they see the task modules as imported, not the worker's later state; see the README's
  "Fork server"). Worker RSS is the worker process's own (the fork server is apart).
- The task is `bench.tasks:noop(n)`: it appends `n start end` to a file (one `O_APPEND`
  write). Drain throughput = (tasks - 1) / (last task start - first task start), so the
  worker's interpreter start-up is excluded; the tasks are queued before the worker
  process starts.
- Fork drain: TaskTiger `Worker` (ForkExecutor), Tiger `Worker(executor="fork")`, RQ
  `Worker` (a forked work horse per job), each `once`/burst. Sync drain: TaskTiger
  `SyncExecutor`, Tiger `executor="sync"`, RQ `SimpleWorker`.
- Pickup latency: an idle fork worker (after one warm-up task and 0.5 s), tasks
  enqueued 20 ms apart; latency = task start - the time `delay`/`enqueue` returned
  (one host clock). p95/p99 are inclusive percentiles.
- Commands per task: `CONFIG RESETSTAT`, a fork drain of N queued tasks, `INFO
  commandstats` (bookkeeping commands excluded). commandstats also counts the commands
  run inside Lua scripts; a MONITOR connection during the same drain splits them into
  commands sent by clients (each pipelined command counts) and commands run in Lua.
  Worker start-up and shutdown are included, spread over N.
- Memory per queued task: `used_memory_dataset` delta over N single enqueues / N.
- Subqueues: N tasks spread round-robin over `bench.0` … `bench.K-1` (a sync worker on
  `bench`); RQ has no subqueues, so its worker listens on the K queues. With 1,000
  queues RQ drains about 13 tasks/s, so it drains only the first 200 tasks there (100
  in the quick set; its figure is still a rate), which keeps `make bench` under 15
  minutes.
- Backlog: one real task is cloned (server-side Lua, each system's own key format) into
  a backlog of the stated size; then, once per repetition, 5,000 single enqueues
  are timed (1,500 in the quick set) and a sync worker pops and runs 1,000 tasks (300;
  stopped once they ran). 1,000,000 queued tasks take about 0.5 GB of Redis per system.
- Scheduled: N tasks scheduled at one instant 1 s ahead; once due, a sync worker starts
  (not `once`: a once-mode TaskTiger worker exits before running what it promoted; RQ
  runs its scheduler); figure = worker `run()` to the last task end.
- Worker parent RSS (scenario 7): `VmRSS` of the worker process when its drain returns.
"""
