"""Participants and their scored attempts.

WebEx names participants by email, so a participant without another identifier is a Person whose
``sourced_id`` is the (lower-cased) email. Emails compare case-insensitively, as mail does.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.store.models import Attempt, Person, Test


def find_person_by_email(session: Session, account_id: int, email: str) -> Person | None:
    return session.scalars(
        select(Person)
        .where(Person.account_id == account_id, func.lower(Person.email) == email.strip().lower())
        .order_by(Person.id)
        .limit(1)
    ).first()


def person_by_email(session: Session, account_id: int, email: str, name: str | None = None) -> Person:
    """The account's person with this email, created when missing; a given name updates theirs."""
    email = email.strip()
    if not email:
        raise ValueError("a participant needs an email")
    person = find_person_by_email(session, account_id, email)
    if person is None:  # a person known by this sourcedId (say, through LIS) but without the email yet
        person = session.scalar(select(Person).where(Person.account_id == account_id, Person.sourced_id == email.lower()))
        if person is not None:
            person.email = email
    if person is None:
        person = Person(account_id=account_id, sourced_id=email.lower(), email=email, name=name)
        session.add(person)
        session.flush()
    elif name and person.name != name:
        person.name = name
    return person


def record_attempt(
    session: Session,
    test: Test,
    person: Person,
    *,
    responses: dict[str, Any],
    started: datetime | None,
    duration: str | None,
    score: float | None,
    score_min: float | None,
    score_max: float | None,
    outcomes: dict[str, Any],
) -> Attempt:
    """Store one submission with its scored outcomes ({item ident: {"score", "min", "max", "feedback"}})."""
    attempt = Attempt(
        test_id=test.id,
        person_id=person.id,
        started_at=started.replace(tzinfo=None) if started and started.tzinfo else started,
        duration=duration,
        responses=responses,
        score=score,
        score_min=score_min,
        score_max=score_max,
        outcomes=outcomes,
    )
    session.add(attempt)
    session.flush()
    return attempt


def latest_attempt(session: Session, test_id: int, email: str) -> tuple[Attempt, Person] | None:
    """The participant's newest attempt at the test (by submission time, then id)."""
    row = session.execute(
        select(Attempt, Person)
        .join(Person, Attempt.person_id == Person.id)
        .where(Attempt.test_id == test_id, func.lower(Person.email) == email.strip().lower())
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def attempts_of_test(session: Session, test_id: int) -> list[tuple[Attempt, Person]]:
    rows = session.execute(
        select(Attempt, Person).join(Person, Attempt.person_id == Person.id).where(Attempt.test_id == test_id).order_by(Attempt.id)
    )
    return [(a, p) for a, p in rows]
