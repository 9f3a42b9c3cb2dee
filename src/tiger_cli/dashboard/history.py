"""Queue sizes over the last hour: samples kept in memory while the dashboard runs.

The dashboard process samples every queue's counts every ``interval`` seconds
into a ring buffer holding ``window`` seconds. Nothing is written to storage, so
the chart covers only the time since this dashboard started (the page says so).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import structlog

from tiger_cli.dashboard.service import STATES, QueueRow

#: Seconds between two samples.
SAMPLE_INTERVAL = 10.0
#: Seconds of history kept (and drawn).
WINDOW = 3600.0
#: Samples needed before a line can be drawn.
MIN_POINTS = 2
#: The chart spans at least this many sample intervals.
MIN_SPAN_SAMPLES = 6
#: Grid intervals on each axis.
GRID = 4
#: Time-axis labels are in minutes from this many seconds on.
MINUTES_FROM = 120

_log = structlog.get_logger("tiger.dashboard")


@dataclass(frozen=True)
class Sample:
    """Counts at one moment: ``{queue: {state: count}}``."""

    at: float
    counts: dict[str, dict[str, int]]

    def total(self, queue: str | None, state: str) -> int:
        """The count of ``state`` in ``queue``, or summed over all queues."""
        if queue is not None:
            return self.counts.get(queue, {}).get(state, 0)
        return sum(per_state.get(state, 0) for per_state in self.counts.values())


class SizeHistory:
    """A thread-safe ring buffer of samples covering ``window`` seconds.

    Args:
        started_at: when sampling began (shown on the page).
        window: seconds kept.
        interval: seconds between samples (sizes the buffer).
    """

    def __init__(
        self,
        started_at: float,
        *,
        window: float = WINDOW,
        interval: float = SAMPLE_INTERVAL,
    ) -> None:
        self.started_at = started_at
        self.window = window
        self.interval = interval
        self._samples: deque[Sample] = deque(maxlen=int(window // interval) + 1)
        self._lock = threading.Lock()

    def record(self, at: float, rows: Iterable[QueueRow]) -> None:
        """Append the counts of ``rows`` taken at ``at``."""
        sample = Sample(at, {row.name: dict(row.counts) for row in rows})
        with self._lock:
            self._samples.append(sample)

    def span(self, now: float) -> float:
        """Seconds the chart covers: the time since the start, within bounds.

        At least ``MIN_SPAN_SAMPLES`` intervals, at most the window.
        """
        shortest = MIN_SPAN_SAMPLES * self.interval
        return min(self.window, max(now - self.started_at, shortest))

    def samples(self, now: float) -> list[Sample]:
        """The samples of the last ``window`` seconds before ``now``, oldest first."""
        with self._lock:
            return [s for s in self._samples if s.at >= now - self.window]


class Sampler:
    """A daemon thread recording a sample now and every ``interval`` seconds.

    Args:
        history: where samples go.
        read: returns the current rows (the service's overview).
        now: the clock.
    """

    def __init__(
        self,
        history: SizeHistory,
        read: Callable[[], Sequence[QueueRow]],
        now: Callable[[], float],
    ) -> None:
        self._history = history
        self._read = read
        self._now = now
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="tiger-dashboard-sampler", daemon=True
        )

    def start(self) -> None:
        """Start sampling in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and wait for the thread (bounded)."""
        self._stop.set()
        self._thread.join(timeout=5)

    def sample_once(self) -> None:
        """Record one sample; a storage error is logged, never raised."""
        try:
            self._history.record(self._now(), self._read())
        except Exception as exc:  # a sampler must outlive storage outages
            _log.warning("sample failed", error=str(exc))

    def _run(self) -> None:
        self.sample_once()
        while not self._stop.wait(self._history.interval):
            self.sample_once()


@dataclass(frozen=True)
class Line:
    """One polyline of the chart."""

    state: str
    points: str
    last: int


@dataclass(frozen=True)
class Chart:
    """What the SVG template draws (coordinates already computed).

    Attributes:
        y_ticks: (y, label) of the horizontal grid lines, top to bottom.
        x_ticks: (x, label) of the time axis, oldest to now.
    """

    width: int
    height: int
    top: int
    left: int
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    empty: bool


def build_chart(
    samples: Sequence[Sample],
    *,
    now: float,
    span: float,
    queue: str | None = None,
    size: tuple[int, int] = (1000, 180),
) -> Chart:
    """Lay out one polyline per state over the ``span`` seconds ending at ``now``."""
    width, height = size
    left, top = 44, 12
    peak = max(
        (s.total(queue, str(state)) for s in samples for state in STATES), default=0
    )
    scale = _nice_ceiling(peak)
    lines = []
    for state in STATES:
        points = []
        for sample in samples:
            x = left + (sample.at - (now - span)) / span * width
            y = top + height - sample.total(queue, str(state)) / scale * height
            points.append(f"{max(x, left):.1f},{y:.1f}")
        last = samples[-1].total(queue, str(state)) if samples else 0
        lines.append(Line(str(state), " ".join(points), last))
    fractions = [i / GRID for i in range(GRID + 1)]
    y_ticks = [
        (top + height * f, f"{scale * (1 - f):g}" if peak or f == 1 else "")
        for f in fractions
    ]
    x_ticks = [(left + width * f, _ago(span * (1 - f))) for f in fractions]
    return Chart(
        width,
        height,
        top,
        left,
        lines,
        y_ticks,
        x_ticks,
        empty=len(samples) < MIN_POINTS,
    )


def _nice_ceiling(peak: int) -> int:
    """The smallest ``GRID`` times a round step (1, 2, 2.5, 5 x 10^k) >= ``peak``."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, magnitude * 5 // 2, 5 * magnitude):
            if step * GRID >= peak:
                return step * GRID
        magnitude *= 10


def _ago(seconds: float) -> str:
    if seconds <= 0:
        return "now"
    if seconds >= MINUTES_FROM:
        return f"-{round(seconds / 60)} min"
    return f"-{seconds:.3g} s"
