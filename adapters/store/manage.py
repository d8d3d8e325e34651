"""Managing the store's data: what ``lms-gateway`` commands (and the admin API) list, show, add and
remove. Plain functions over a Session returning plain data (dicts of str/int/float/None/lists),
so that a command prints them and an HTTP API serialises them unchanged.

A :class:`NotFound` or :class:`Conflict` carries a one-line message for the user.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from adapters.store import itslearning as store_its
from adapters.store.models import (
    Account,
    Attempt,
    ItsCourse,
    ItslearningCredential,
    ItsElement,
    ItsUser,
    LineItem,
    OAuthConsumer,
    Person,
    Result,
    Test,
    WebexCredential,
)
from adapters.store.results import find_result

COURSE_STATES = ("active", "archived", "deleted")
USER_STATES = ("valid", "deleted")


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- accounts -------------------------------------------------------------------------------


def account_id(session: Session, name: str) -> int:
    """The id of account ``name``; NotFound (naming the command that creates it) when missing."""
    found = session.scalar(select(Account.id).where(Account.name == name))
    if found is None:
        raise NotFound(f"no account {name!r} (create it with `lms-gateway accounts add {name}`)")
    return found


def remove_account(session: Session, name: str) -> dict[str, Any]:
    """Delete the account and everything it owns (the foreign keys cascade); what was removed."""
    owner = account_id(session, name)

    def count(model, column) -> int:
        return session.scalar(select(func.count()).select_from(model).where(column == owner))

    removed = {
        "account": name,
        "consumer_keys": count(OAuthConsumer, OAuthConsumer.account_id),
        "webex_hosts": count(WebexCredential, WebexCredential.account_id),
        "itslearning_users": count(ItslearningCredential, ItslearningCredential.account_id),
        "tests": count(Test, Test.account_id),
        "attempts": session.scalar(select(func.count()).select_from(Attempt).join(Test, Attempt.test_id == Test.id)
                                   .where(Test.account_id == owner)),
        "results": count(Result, Result.account_id),
    }
    # Core DELETE: the database's ON DELETE CASCADE removes the rows below in one statement
    # (the ORM would load each child and try to null its account_id instead).
    session.execute(delete(Account).where(Account.id == owner))
    session.expunge_all()
    return removed


# --- LIS results ----------------------------------------------------------------------------


def _result_json(row) -> dict[str, Any]:
    return {
        "sourcedId": row.sourced_id, "lineItemSourcedId": row.line_item_sourced_id,
        "personSourcedId": row.person_sourced_id, "date": _iso(row.date), "label": row.value_label,
        "score": row.score_text, "language": row.score_language, "refAgentInstanceID": row.ref_agent_instance_id,
        "extension": {f["name"]: f.get("value") for f in (row.extension or {}).get("fields", [])},
    }


def list_results(session: Session, account: int, *, line_item: str | None = None, person: str | None = None,
                 limit: int | None = None) -> list[dict[str, Any]]:
    """The account's results (optionally of one line item or person), oldest first."""
    li, p = LineItem.__table__.alias("li"), Person.__table__.alias("p")
    r = Result.__table__
    query = (
        select(r.c.sourced_id, li.c.sourced_id.label("line_item_sourced_id"), p.c.sourced_id.label("person_sourced_id"),
               r.c.ref_agent_instance_id, r.c.date, r.c.value_label, r.c.score_language, r.c.score_text, r.c.extension)
        .select_from(r.outerjoin(li, r.c.line_item_id == li.c.id).outerjoin(p, r.c.person_id == p.c.id))
        .where(r.c.account_id == account).order_by(r.c.id)
    )
    if line_item is not None:
        query = query.where(li.c.sourced_id == line_item)
    if person is not None:
        query = query.where(p.c.sourced_id == person)
    if limit is not None:
        query = query.limit(limit)
    return [_result_json(row) for row in session.execute(query)]


def show_result(session: Session, account: int, sourced_id: str) -> dict[str, Any]:
    found = find_result(session, account, sourced_id)
    if found is None:
        raise NotFound(f"no result with sourcedId {sourced_id!r} in account")
    return _result_json(found)


# --- attempts -------------------------------------------------------------------------------


def list_attempts(session: Session, account: int, *, webex_test_id: int | None = None,
                  email: str | None = None) -> list[dict[str, Any]]:
    """The account's attempts (optionally at one test or by one participant), oldest first."""
    query = (
        select(Attempt, Test.webex_test_id, Test.title, Person.email, Person.name)
        .join(Test, Attempt.test_id == Test.id).join(Person, Attempt.person_id == Person.id)
        .where(Test.account_id == account).order_by(Attempt.id)
    )
    if webex_test_id is not None:
        query = query.where(Test.webex_test_id == webex_test_id)
    if email is not None:
        query = query.where(func.lower(Person.email) == email.strip().lower())
    return [
        {"attempt": a.id, "test": test_id, "title": title, "email": mail, "name": name,
         "started": _iso(a.started_at), "duration": a.duration, "score": a.score, "min": a.score_min, "max": a.score_max}
        for a, test_id, title, mail, name in session.execute(query)
    ]


# --- itslearning sites, courses and users ---------------------------------------------------


def list_sites(session: Session, account: int) -> list[dict[str, Any]]:
    """Each itslearning site of the account: its UsernameTokens and numbers of courses and users."""
    sites: dict[int, dict[str, Any]] = {}
    for cred in session.scalars(select(ItslearningCredential).where(ItslearningCredential.account_id == account)
                                .order_by(ItslearningCredential.username)):
        _site(sites, cred.site_id)["usernames"].append(cred.username)
    for model, key in ((ItsCourse, "courses"), (ItsUser, "users")):
        for site, number in session.execute(select(model.site_id, func.count()).where(model.account_id == account,
                                                                                      model.site_id.is_not(None))
                                            .group_by(model.site_id)):
            _site(sites, site)[key] = number
    return [sites[k] for k in sorted(sites)]


def _site(sites: dict[int, dict[str, Any]], site: int) -> dict[str, Any]:
    return sites.setdefault(site, {"site": site, "usernames": [], "courses": 0, "users": 0})


def _course_json(c: ItsCourse) -> dict[str, Any]:
    return {"id": c.id, "site": c.site_id, "syncKey": c.sync_key, "title": c.title, "state": c.state, "external": c.external}


def _user_json(u: ItsUser) -> dict[str, Any]:
    return {"id": u.id, "site": u.site_id, "syncKey": u.sync_key, "name": u.name, "state": u.state, "external": u.external}


def _new_row(session: Session, model, account: int, row_id: int | None, sync_key: str | None, what: str, **fields):
    if sync_key is not None and session.scalar(select(model.id).where(model.account_id == account, model.sync_key == sync_key)):
        raise Conflict(f"the account already has an itslearning {what} with sync key {sync_key!r}")
    if row_id is None:
        row = model(account_id=account, sync_key=sync_key, **fields)
        session.add(row)
        session.flush()
        return row
    if row_id < 1:
        raise Conflict(f"an itslearning {what} id is a positive integer, not {row_id}")
    if session.get(model, row_id) is not None:  # ids are global: clients send them without an account
        raise Conflict(f"itslearning {what} id {row_id} is taken")
    return store_its.ensure_row(session, model, row_id, account_id=account, sync_key=sync_key, **fields)


def add_course(session: Session, account: int, *, site: int, title: str, sync_key: str | None = None,
               course_id: int | None = None, state: str = "active", external: bool = False) -> dict[str, Any]:
    """A course that CreateCourseElementTest can name by CourseId or CourseSyncKey."""
    if state not in COURSE_STATES:
        raise Conflict(f"a course state is one of {', '.join(COURSE_STATES)}, not {state!r}")
    return _course_json(_new_row(session, ItsCourse, account, course_id, sync_key, "course", site_id=site, title=title,
                                 state=state, external=external))


def list_courses(session: Session, account: int, *, site: int | None = None) -> list[dict[str, Any]]:
    query = select(ItsCourse).where(ItsCourse.account_id == account).order_by(ItsCourse.id)
    if site is not None:
        query = query.where(ItsCourse.site_id == site)
    return [_course_json(c) for c in session.scalars(query)]


def add_user(session: Session, account: int, *, site: int, name: str, sync_key: str | None = None,
             user_id: int | None = None, state: str = "valid", external: bool = False) -> dict[str, Any]:
    """A user of ``site`` that CreateCourseElementTest can name by UserId or UserSyncKey (the test's creator)."""
    if state not in USER_STATES:
        raise Conflict(f"a user state is one of {', '.join(USER_STATES)}, not {state!r}")
    return _user_json(_new_row(session, ItsUser, account, user_id, sync_key, "user", site_id=site, name=name,
                               state=state, external=external))


def list_users(session: Session, account: int, *, site: int | None = None) -> list[dict[str, Any]]:
    query = select(ItsUser).where(ItsUser.account_id == account).order_by(ItsUser.id)
    if site is not None:
        query = query.where(ItsUser.site_id == site)
    return [_user_json(u) for u in session.scalars(query)]


def list_elements(session: Session, account: int) -> list[dict[str, Any]]:
    """Course elements (folders and imported tests), for seeing what messages created."""
    return [
        {"id": e.id, "course": e.course_id, "kind": e.kind, "title": e.title, "syncKey": e.sync_key, "state": e.state}
        for e in session.scalars(select(ItsElement).where(ItsElement.account_id == account).order_by(ItsElement.id))
    ]
