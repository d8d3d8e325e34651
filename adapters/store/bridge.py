"""The bridge's records (DESIGN.md §14): upstream AGS platforms, and which upstream (line item, user)
a legacy result sourcedId stands for."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adapters.store.limits import fit
from adapters.store.models import Lti13BridgeLink, Lti13Upstream


@dataclass(frozen=True)
class Upstream:
    name: str
    token_url: str
    client_id: str
    audience: str | None = None


@dataclass(frozen=True)
class Link:
    sourced_id: str
    upstream: Upstream
    line_item_url: str
    user_id: str


def _upstream(row: Lti13Upstream) -> Upstream:
    return Upstream(row.name, row.token_url, row.client_id, row.audience)


def _url(value: str, what: str, column) -> str:
    fit(value, what, column)
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"{what} must be an http(s) URL")
    return value


def set_upstream(session: Session, account_id: int, upstream: Upstream) -> Upstream:
    """Add or change an upstream; ValueError for what the store cannot hold."""
    fit(upstream.name, "the upstream's name", Lti13Upstream.name)
    _url(upstream.token_url, "the token URL", Lti13Upstream.token_url)
    fit(upstream.client_id, "the client id", Lti13Upstream.client_id)
    if upstream.audience is not None:
        fit(upstream.audience, "the audience", Lti13Upstream.audience)
    row = session.scalar(select(Lti13Upstream).where(Lti13Upstream.account_id == account_id, Lti13Upstream.name == upstream.name))
    if row is None:
        row = Lti13Upstream(account_id=account_id, name=upstream.name)
        session.add(row)
    row.token_url, row.client_id, row.audience = upstream.token_url, upstream.client_id, upstream.audience
    session.flush()
    return _upstream(row)


def upstreams(session: Session, account_id: int) -> list[Upstream]:
    query = select(Lti13Upstream).where(Lti13Upstream.account_id == account_id).order_by(Lti13Upstream.name)
    return [_upstream(r) for r in session.scalars(query)]


def set_link(session: Session, account_id: int, sourced_id: str, upstream_name: str, line_item_url: str, user_id: str) -> Link:
    up = session.scalar(select(Lti13Upstream).where(Lti13Upstream.account_id == account_id, Lti13Upstream.name == upstream_name))
    if up is None:
        raise ValueError(f"no upstream named {upstream_name!r} in this account")
    fit(sourced_id, "the sourcedId", Lti13BridgeLink.sourced_id)
    _url(line_item_url, "the line item URL", Lti13BridgeLink.line_item_url)
    fit(user_id, "the user id", Lti13BridgeLink.user_id)
    row = session.scalar(select(Lti13BridgeLink).where(Lti13BridgeLink.account_id == account_id, Lti13BridgeLink.sourced_id == sourced_id))
    if row is None:
        row = Lti13BridgeLink(account_id=account_id, sourced_id=sourced_id)
        session.add(row)
    row.upstream_id, row.line_item_url, row.user_id = up.id, line_item_url, user_id
    session.flush()
    return Link(sourced_id, _upstream(up), line_item_url, user_id)


def _links_query(account_id: int):
    return (
        select(Lti13BridgeLink, Lti13Upstream)
        .join(Lti13Upstream, Lti13BridgeLink.upstream_id == Lti13Upstream.id)
        .where(Lti13BridgeLink.account_id == account_id)
    )


def find_links(session: Session, account_id: int, sourced_ids: list[str]) -> dict[str, Link]:
    """The account's links among ``sourced_ids`` (another account's are not found)."""
    if not sourced_ids:
        return {}
    rows = session.execute(_links_query(account_id).where(Lti13BridgeLink.sourced_id.in_(sourced_ids)))
    return {link.sourced_id: Link(link.sourced_id, _upstream(up), link.line_item_url, link.user_id) for link, up in rows}


def links(session: Session, account_id: int) -> list[Link]:
    rows = session.execute(_links_query(account_id).order_by(Lti13BridgeLink.sourced_id))
    return [Link(link.sourced_id, _upstream(up), link.line_item_url, link.user_id) for link, up in rows]


def remove_link(session: Session, account_id: int, sourced_id: str) -> bool:
    """Forget one link; False when the account has none for ``sourced_id``."""
    query = delete(Lti13BridgeLink).where(Lti13BridgeLink.account_id == account_id, Lti13BridgeLink.sourced_id == sourced_id)
    return session.execute(query).rowcount > 0
