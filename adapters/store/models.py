"""The store's tables. Later work adds tables here *and* through a new Alembic migration.

Identifiers that vendors see (LIS sourcedIds, WebEx testIDs, itslearning GUIDs) are separate
columns from our surrogate primary keys, and are unique per account: an account never sees, nor
can collide with, another account's records.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    consumers: Mapped[list["OAuthConsumer"]] = relationship(back_populates="account")
    webex_credentials: Mapped[list["WebexCredential"]] = relationship(back_populates="account")
    itslearning_credentials: Mapped[list["ItslearningCredential"]] = relationship(back_populates="account")


class OAuthConsumer(Base):
    """An OAuth 1.0 consumer key and its shared secret (HMAC needs the secret itself, not a hash)."""

    __tablename__ = "oauth_consumers"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    secret: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)

    account: Mapped[Account] = relationship(back_populates="consumers")


class WebexCredential(Base):
    """A WebEx host's securityContext on one site; the password is stored hashed."""

    __tablename__ = "webex_credentials"
    __table_args__ = (UniqueConstraint("site_id", "webex_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    site_name: Mapped[str | None] = mapped_column(String(200))
    partner_id: Mapped[str | None] = mapped_column(String(64))
    webex_id: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))

    account: Mapped[Account] = relationship(back_populates="webex_credentials")


class ItslearningCredential(Base):
    """A WS-Security UsernameToken for one itslearning site; the password is stored hashed."""

    __tablename__ = "itslearning_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))

    account: Mapped[Account] = relationship(back_populates="itslearning_credentials")


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("account_id", "sourced_id"), Index("ix_persons_account_email", "account_id", "email"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    sourced_id: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(400))


class Test(Base):
    """A test: its QTI 1.2 ASI document (the internal model, DESIGN.md §9) and metadata."""

    __tablename__ = "tests"
    __table_args__ = (UniqueConstraint("account_id", "webex_test_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: The integer testID WebEx clients use.
    webex_test_id: Mapped[int] = mapped_column(BigInteger)
    ident: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str | None] = mapped_column(Text)
    #: The WebEx host (webExID) who owns the test; other hosts are denied its results.
    host_webex_id: Mapped[str | None] = mapped_column(String(200))
    qti_xml: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(Base):
    """One participant's submission: responses per item and the scored outcomes."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_test_person", "test_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    duration: Mapped[str | None] = mapped_column(String(64))
    #: {item ident: {response ident: [values]}}
    responses: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    score_min: Mapped[float | None] = mapped_column(Float)
    score_max: Mapped[float | None] = mapped_column(Float)
    #: {item ident: {"score": .., "min": .., "max": .., "feedback": [...]}}
    outcomes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LineItem(Base):
    __tablename__ = "line_items"
    __table_args__ = (UniqueConstraint("account_id", "sourced_id"), Index("ix_line_items_context", "account_id", "context_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    sourced_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str | None] = mapped_column(String(500))
    test_id: Mapped[int | None] = mapped_column(ForeignKey("tests.id", ondelete="SET NULL"))
    # What an LTI 1.3 AGS line item adds (DESIGN.md §14): the AGS line item *is* this row. A line
    # item without a context (made by LIS or POX) is not listed in any AGS container.
    context_id: Mapped[str | None] = mapped_column(String(255))
    score_maximum: Mapped[float | None] = mapped_column(Float)
    resource_id: Mapped[str | None] = mapped_column(String(255))
    resource_link_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    start_date_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_date_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Result(Base):
    """A LIS result record (also what an LTI 1.1 POX score is)."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("account_id", "sourced_id"),
        Index("ix_results_line_item", "line_item_id"),
        Index("ix_results_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    sourced_id: Mapped[str] = mapped_column(String(255))
    ref_agent_instance_id: Mapped[str | None] = mapped_column(String(255))
    line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    value_label: Mapped[str | None] = mapped_column(String(500))
    score_language: Mapped[str | None] = mapped_column(String(35))
    score_text: Mapped[str | None] = mapped_column(String(255))
    #: The top of the scale score_text is on (100 written over LIS SOAP, 1 over LTI 1.1; None:
    #: unknown); adapters/scores.py maps it to each protocol's scale.
    score_maximum: Mapped[float | None] = mapped_column(Float)
    #: {"name_vocabulary": .., "value_vocabulary": .., "fields": [{"name", "type", "value"}]}
    extension: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    # What an AGS score adds (its value and scale are score_text and score_maximum, adapters/scores.py).
    activity_progress: Mapped[str | None] = mapped_column(String(32))
    grading_progress: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class OAuthNonce(Base):
    """Seen OAuth nonces; the unique key is what catches a replay in any process."""

    __tablename__ = "oauth_nonces"
    __table_args__ = (UniqueConstraint("consumer_key", "nonce", "timestamp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumer_key: Mapped[str] = mapped_column(String(255))
    nonce: Mapped[str] = mapped_column(String(255))
    timestamp: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class WebexSessionTicket(Base):
    """A session ticket from AuthenticateUser, kept in the store so that any process accepts it.

    Only a SHA-256 digest of the ticket is stored: a leaked table does not leak live tickets.
    """

    __tablename__ = "webex_session_tickets"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("webex_credentials.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# --- itslearning Migration API (DESIGN.md §8) -------------------------------------------------


class ItsCourse(Base):
    """An itslearning course; ``id`` is the CourseId clients send."""

    __tablename__ = "its_courses"
    __table_args__ = (UniqueConstraint("account_id", "sync_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    sync_key: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(500))
    #: active | archived | deleted
    state: Mapped[str] = mapped_column(String(16), default="active")
    external: Mapped[bool] = mapped_column(default=False)


class ItsUser(Base):
    __tablename__ = "its_users"
    __table_args__ = (UniqueConstraint("account_id", "sync_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: itslearning users belong to one site, as courses do; None matches no site's lookup.
    site_id: Mapped[int | None] = mapped_column(Integer)
    sync_key: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(400), default="")
    #: valid | deleted
    state: Mapped[str] = mapped_column(String(16), default="valid")
    external: Mapped[bool] = mapped_column(default=False)


class ItsGrade(Base):
    """A grade (assessment scale) a test may use (CreateCourseElementTest/Assessment)."""

    __tablename__ = "its_grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class ItsElement(Base):
    """A course element: a folder, or a test created by a message (with its sync key).

    ``message_id`` is unique: processing a message twice can never create a second element.
    """

    __tablename__ = "its_elements"
    __table_args__ = (UniqueConstraint("account_id", "sync_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("its_courses.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("its_elements.id", ondelete="SET NULL"))
    #: folder | test
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    sync_key: Mapped[str | None] = mapped_column(String(128))
    #: active | deleted
    state: Mapped[str] = mapped_column(String(16), default="active")
    test_id: Mapped[int | None] = mapped_column(ForeignKey("tests.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("its_users.id", ondelete="SET NULL"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("its_messages.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ItsAsset(Base):
    """A file uploaded through FileService.UploadFile, known to clients by its GUID."""

    __tablename__ = "its_assets"

    guid: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ItsMessage(Base):
    """A queued DataService message; ``id`` is the MessageId clients poll.

    A worker claims a message by moving it to ``Processing`` with a lease; a worker that dies
    leaves the lease to run out, and the message is claimed again.
    """

    __tablename__ = "its_messages"
    __table_args__ = (Index("ix_its_messages_status", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    #: InQueue | Processing | Finished
    status: Mapped[str] = mapped_column(String(16), default="InQueue")
    #: [{"Type": "Info"|"Error", "Message": .., "SyncKey": .., "Entity": ..}]
    details: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- failed logins (DESIGN.md §10) -------------------------------------------------------------


class LoginFailure(Base):
    """Failed logins counted under one key (a credential from an address, an address, a credential).

    Kept in the store so that every worker and host counts together. ``key`` is a digest: user
    names and addresses are never stored as given, and any length fits.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: While in the future, logins under this key are refused without checking the password.
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: After this the row is forgotten (the next failure starts counting again).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# --- LTI 1.3 platform (DESIGN.md §14) -----------------------------------------------------------


class Lti13Tool(Base):
    """A tool registered with an account's LTI 1.3 platform: its client id, deployments and keys.

    The tool's public keys are a JWKS URL (fetched and cached by ``kid``) or a JWKS given at
    registration (a PEM is turned into a one-key JWKS then).
    """

    __tablename__ = "lti13_tools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: Unique over all accounts: the token endpoint finds the tool (and so the account) by it.
    client_id: Mapped[str] = mapped_column(String(255), unique=True)
    deployment_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    jwks_url: Mapped[str | None] = mapped_column(String(2000))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The AGS scopes this tool may be granted (a subset of adapters.store.lti13.AGS_SCOPES).
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Lti13PlatformKey(Base):
    """One of an account's RSA signing keys. The newest active key signs; every key that is not
    retired stays published in the JWKS, so tokens signed before a rotation still verify."""

    __tablename__ = "lti13_platform_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Lti13UsedJti(Base):
    """Client-assertion ``jti``s seen, until their assertion expires: the unique key catches a
    replay in any process or host."""

    __tablename__ = "lti13_used_jtis"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Lti13Upstream(Base):
    """An upstream LMS's AGS platform the bridge carries legacy outcomes to. The gateway is a tool
    there: it signs its client assertions with the account's platform key (published at the
    account's JWKS URL, which the upstream registers)."""

    __tablename__ = "lti13_upstreams"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_url: Mapped[str] = mapped_column(String(2000))
    client_id: Mapped[str] = mapped_column(String(255))
    #: The assertion's aud when the upstream wants something other than its token URL.
    audience: Mapped[str | None] = mapped_column(String(2000))


class Lti13BridgeLink(Base):
    """A legacy result sourcedId and where its score lives upstream: (line item URL, user id)."""

    __tablename__ = "lti13_bridge_links"
    __table_args__ = (UniqueConstraint("account_id", "sourced_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    sourced_id: Mapped[str] = mapped_column(String(255))
    upstream_id: Mapped[int] = mapped_column(ForeignKey("lti13_upstreams.id", ondelete="CASCADE"), index=True)
    line_item_url: Mapped[str] = mapped_column(String(2000))
    user_id: Mapped[str] = mapped_column(String(255))


class Lti13UserLink(Base):
    """An AGS userId tied to the LTI 1.1 user_id the same person had (the ``lti1p1`` migration
    claim's ``user_id``): AGS scores for the one land on the LIS person of the other."""

    __tablename__ = "lti13_user_links"
    __table_args__ = (UniqueConstraint("account_id", "user_id"), UniqueConstraint("account_id", "lti11_user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    #: The LTI 1.3 ``sub`` an AGS tool sends as ``userId``.
    user_id: Mapped[str] = mapped_column(String(255))
    #: The LTI 1.1 ``user_id``: the LIS personSourcedId legacy callers know.
    lti11_user_id: Mapped[str] = mapped_column(String(255))


class JournalEntry(Base):
    """One exchange on a protocol endpoint (DESIGN.md §13), secrets already redacted.

    ``key_index`` holds every business key as ``|k1|k2|`` so that one LIKE finds an entry by any of
    them on SQLite and PostgreSQL alike; ``keys`` keeps them by name for people.
    """

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_protocol_operation", "protocol", "operation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    request_id: Mapped[str] = mapped_column(String(128))
    protocol: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str | None] = mapped_column(String(100))
    account: Mapped[str | None] = mapped_column(String(255))
    keys: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key_index: Mapped[str] = mapped_column(Text, default="")
    oauth: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(255))
    duration_ms: Mapped[float] = mapped_column(Float)
    fault_rule: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The process that answered (several workers share one journal).
    worker: Mapped[int] = mapped_column(Integer, default=0)
    request_headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_body: Mapped[bytes] = mapped_column(LargeBinary)
    response_headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    redacted: Mapped[list[Any]] = mapped_column(default=list)


class FaultRule(Base):
    """A rule that answers matching calls with a failure instead of the real answer (DESIGN.md §13).

    ``remaining`` None acts until ``until`` (or forever); ``params`` depend on ``action``.
    """

    __tablename__ = "fault_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    protocol: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str | None] = mapped_column(String(100), nullable=True)
    key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    hits: Mapped[int] = mapped_column(Integer, default=0)
