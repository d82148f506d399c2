"""How a window is cut into spans: the whole of it, once, each part from the coarsest grain that counts it exactly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storefront.analytics.rollups import DAY, HOUR, Span, day_of, hour_of, month_of, spans_of

# Hypothesis takes naive bounds and attaches the zone.
instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 3, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
lengths = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=40))


@given(start=instants, length=lengths)
def test_spans_tile_the_window_and_each_is_aligned_to_its_grain(start: datetime, length: timedelta) -> None:
    end = start + length
    spans = spans_of(start, end)
    months_begun = len({month_of(start + timedelta(days=d)) for d in range(length.days + 2)} - {month_of(start)})
    assert 1 <= len(spans) <= 6 + months_begun  # edges, hours, days cut at each month, hours cut at a midnight
    assert spans[0].start == start and spans[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    for span in spans:
        assert span.start < span.end
        inner = span.end - timedelta(microseconds=1)
        if span.grain == "day":
            assert day_of(span.start) == span.start and day_of(span.end) == span.end
            assert span.partition == month_of(span.start) == month_of(inner)  # one month of the daily rollup
        elif span.grain == "hour":
            assert hour_of(span.start) == span.start and hour_of(span.end) == span.end
            assert span.partition == day_of(span.start) == day_of(inner)  # one day of the hourly rollup
        else:
            assert span.partition is None
            assert span.end - span.start < HOUR or len(spans) == 1


@given(start=instants, length=lengths)
def test_no_coarser_grain_could_have_served_a_span(start: datetime, length: timedelta) -> None:
    """Raw events only where a whole hour does not fit; hours only where a whole day does not."""
    spans = spans_of(start, start + length)
    for span in spans:
        if span.grain == "raw":
            inside = hour_of(span.start) if hour_of(span.start) == span.start else hour_of(span.start) + HOUR
            assert inside + HOUR > span.end
        if span.grain == "hour":
            first_day = day_of(span.start) if day_of(span.start) == span.start else day_of(span.start) + DAY
            assert first_day + DAY > span.end


def test_thirty_days_on_the_hour_read_whole_days_and_two_partial_ones() -> None:
    start = datetime(2026, 11, 2, 6, tzinfo=UTC)
    assert spans_of(start, start + timedelta(days=30)) == [
        Span(start, datetime(2026, 11, 3, tzinfo=UTC), "hour"),
        Span(datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "day"),
        Span(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC), "day"),
        Span(datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 2, 6, tzinfo=UTC), "hour"),
    ]


def test_a_default_window_over_a_month_end_reads_each_month_of_days_on_its_own() -> None:
    """Each span fixes its partition, so a page never scans its keys' days of other months."""
    start, end = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)
    assert spans_of(start, end) == [
        Span(start, datetime(2026, 12, 1, tzinfo=UTC), "day"),
        Span(datetime(2026, 12, 1, tzinfo=UTC), end, "day"),
    ]
    november, december = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    assert [s.partition for s in spans_of(start, end)] == [november, december]


def test_hours_across_a_midnight_are_cut_there() -> None:
    start, end = datetime(2026, 12, 31, 20, tzinfo=UTC), datetime(2027, 1, 1, 5, tzinfo=UTC)
    assert spans_of(start, end) == [
        Span(start, datetime(2027, 1, 1, tzinfo=UTC), "hour"),
        Span(datetime(2027, 1, 1, tzinfo=UTC), end, "hour"),
    ]
