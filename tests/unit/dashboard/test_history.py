"""The in-memory size history, its sampler and the chart layout."""

from __future__ import annotations

from tiger_cli.dashboard.history import Sampler, SizeHistory, build_chart
from tiger_cli.dashboard.service import QueueRow

COUNTS = {"queued": 3, "active": 1, "scheduled": 0, "error": 2}


def test_history_keeps_one_window_of_samples() -> None:
    """Samples older than the window are dropped from the ring buffer."""
    history = SizeHistory(0.0, window=30, interval=10)
    for at in range(0, 100, 10):
        history.record(at, [QueueRow("a", COUNTS)])

    samples = history.samples(90.0)

    assert [60, 70, 80, 90] == [sample.at for sample in samples]


def test_sample_totals_per_queue_and_overall() -> None:
    """A sample sums a state over all queues, or reads one queue."""
    history = SizeHistory(0.0)
    history.record(1.0, [QueueRow("a", COUNTS), QueueRow("b", COUNTS)])

    sample = history.samples(1.0)[0]

    assert (6, 3, 0) == (
        sample.total(None, "queued"),
        sample.total("a", "queued"),
        sample.total("missing", "queued"),
    )


def test_span_grows_from_the_start_up_to_the_window() -> None:
    """The chart covers the time since the start, within bounds."""
    history = SizeHistory(1000.0, window=3600, interval=10)

    spans = [history.span(1000.0 + elapsed) for elapsed in (5, 600, 99999)]

    assert [60, 600, 3600] == spans


def test_chart_draws_one_line_per_state_with_round_ticks() -> None:
    """Four polylines; the y axis ends on a round number above the peak."""
    history = SizeHistory(0.0)
    history.record(0.0, [QueueRow("a", COUNTS)])
    history.record(60.0, [QueueRow("a", {**COUNTS, "queued": 9})])

    chart = build_chart(history.samples(60.0), now=60.0, span=60.0)

    assert ["queued", "active", "scheduled", "error"] == [
        line.state for line in chart.lines
    ]
    assert (9, False) == (chart.lines[0].last, chart.empty)
    assert ["20", "15", "10", "5", "0"] == [label for _, label in chart.y_ticks]
    assert ["-60 s", "-45 s", "-30 s", "-15 s", "now"] == [
        label for _, label in chart.x_ticks
    ]


def test_sampler_survives_a_failing_read() -> None:
    """A storage error during sampling is logged; nothing is recorded."""
    history = SizeHistory(0.0)

    def broken() -> list[QueueRow]:
        raise ConnectionError("redis down")

    Sampler(history, broken, lambda: 1.0).sample_once()

    assert [] == history.samples(1.0)
