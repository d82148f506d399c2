"""The sign-in rules, pure: passwords, the lockout's count and clock, a session's two lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storefront.backoffice import passwords, rules

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_password_is_refused_in_words_when_too_short_too_long_or_too_plain() -> None:
    assert rules.password_problem("short") == "use at least 12 characters (a few words make a good one)"
    assert rules.password_problem("x" * 129) == "use at most 128 characters"
    assert rules.password_problem("aaaaaaaaaaaa") == "use more than a few different characters"
    assert rules.password_problem("correct horse battery") is None


def test_the_fifth_wrong_password_in_a_row_locks_for_fifteen_minutes_and_starts_the_count_again() -> None:
    failures, until = 0, None
    for _ in range(rules.MAX_FAILURES - 1):
        failures, until = rules.after_failure(failures, T0)
        assert until is None
    failures, until = rules.after_failure(failures, T0)
    assert (failures, until) == (0, T0 + timedelta(minutes=15))
    assert rules.locked(until, T0 + timedelta(minutes=14, seconds=59))
    assert not rules.locked(until, T0 + timedelta(minutes=15))
    assert not rules.locked(None, T0)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=30 * 24 * 3600))
def test_a_session_ends_idle_or_at_its_end_whichever_is_first(idle_s: int, age_s: int) -> None:
    created = T0
    last_seen = created + timedelta(seconds=min(age_s, idle_s))
    now = created + timedelta(seconds=age_s)
    live = rules.session_live(last_seen_at=last_seen, expires_at=created + rules.LIFETIME, now=now)
    assert live == (now < created + rules.LIFETIME and now < last_seen + rules.IDLE)


def test_an_argon2id_hash_verifies_its_password_and_nothing_else() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterY")
    assert not passwords.verify(None, "correct horse battery")  # no account: the decoy is checked, never a match
    assert not passwords.verify("not a hash", "x")
    assert rules.normalise_email("  Ada@Example.COM ") == "ada@example.com"
