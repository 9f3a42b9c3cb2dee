"""Unit tests of the ``tiger`` command's formatting helpers and its memory:// mode."""

from __future__ import annotations

import datetime as dt
import json

import click
import pytest
from click.testing import CliRunner

from tiger_cli.admin.enqueue_cmd import json_value, parse_when
from tiger_cli.admin.format import iso_utc, parse_utc, render_table, truncate
from tiger_cli.admin.main import cli

T0 = 1_800_000_000.0


def test_iso_utc_drops_subseconds_and_marks_utc() -> None:
    """Epoch seconds become an ISO UTC time ending in Z; None stays None."""
    actual = (iso_utc(T0 + 0.75), iso_utc(None))

    assert ("2027-01-15T08:00:00Z", None) == actual


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
        ("2024-05-01T12:30", dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)),
        ("2024-05-01T12:30:00Z", dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)),
        ("2024-05-01T14:30:00+02:00", dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)),
    ],
)
def test_parse_utc_reads_dates_and_datetimes(text: str, expected: dt.datetime) -> None:
    """A naive date or datetime is UTC; an offset is converted to UTC."""
    actual = parse_utc(text)

    assert expected == actual


def test_parse_utc_names_bad_text() -> None:
    """Text that is not ISO is refused with an example of the format."""
    with pytest.raises(ValueError, match="'tomorrow' is not an ISO date"):
        parse_utc("tomorrow")


def test_truncate_marks_cut_text() -> None:
    """Long text is cut to the width with an ellipsis; short text is kept."""
    actual = (truncate("abcdef", 4), truncate("abc", 4))

    assert ("abc…", "abc") == actual


def test_render_table_aligns_columns_and_numbers() -> None:
    """Columns are as wide as their widest cell; integers are right-aligned."""
    actual = render_table(["NAME", "N"], [["a", 5], ["long", 12], ["b", None]])

    assert "NAME   N\na      5\nlong  12\nb      -" == actual


def test_json_value_checks_the_kind() -> None:
    """JSON of the right kind is returned; other kinds and bad JSON are refused."""
    parsed = (json_value('[1, "a"]', list, "--args"), json_value(None, dict, "--x"))

    assert ([1, "a"], None) == parsed
    with pytest.raises(click.BadParameter, match="expected a JSON object"):
        json_value("[1]", dict, "--kwargs")
    with pytest.raises(click.BadParameter, match="not valid JSON"):
        json_value("{", dict, "--kwargs")


def test_parse_when_takes_seconds_or_a_datetime() -> None:
    """A number is seconds from now; an ISO datetime is absolute (UTC)."""
    actual = (parse_when("90", T0), parse_when("2024-05-01", T0), parse_when(None, T0))

    assert (T0 + 90, 1714521600.0, None) == actual


def test_memory_store_enqueue_then_list() -> None:
    """On memory:// the commands run in-process against the in-memory store."""
    runner = CliRunner()

    args = ["enqueue", "tests.sample_tasks:add", "--args", "[1, 2]", "--json"]

    result = runner.invoke(cli, ["--url", "memory://", *args])

    assert 0 == result.exit_code, result.output
    assert "queued" == json.loads(result.output)["state"]
