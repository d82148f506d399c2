"""The back office's sign-in rules, pure (the clock is an argument): passwords, lockout, session lifetimes.

Lockout is per account: :data:`MAX_FAILURES` wrong passwords in a row lock it for :data:`LOCKOUT`
(a correct password then waits too, so guessing cannot continue), and a success or the end of the
lock starts the count again. Per-client rate limits (``sign_ins``) sit in front of this, so one
client cannot lock many accounts quickly either.

A session ends :data:`IDLE` after its last use or :data:`LIFETIME` after sign-in, whichever is first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

Role = Literal["owner", "staff", "stall"]
ROLES: tuple[Role, ...] = ("owner", "staff", "stall")

MIN_PASSWORD = 12
MAX_PASSWORD = 128
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
IDLE = timedelta(hours=12)
LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)  # how stale last_seen_at may get before a request writes it
RESET_VALID = timedelta(hours=1)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be a staff password, in words, or None."""
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters (a few words make a good one)"
    if len(password) > MAX_PASSWORD:
        return f"use at most {MAX_PASSWORD} characters"
    if len(set(password)) < 4:
        return "use more than a few different characters"
    return None


def locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failure(failures: int, now: datetime) -> tuple[int, datetime | None]:
    """The count and lock after one more wrong password: the lock starts at the :data:`MAX_FAILURES`-th."""
    failures += 1
    if failures >= MAX_FAILURES:
        return 0, now + LOCKOUT
    return failures, None


def session_live(*, last_seen_at: datetime, expires_at: datetime, now: datetime) -> bool:
    return now < expires_at and now < last_seen_at + IDLE


def needs_touch(last_seen_at: datetime, now: datetime) -> bool:
    return now - last_seen_at >= TOUCH_EVERY
