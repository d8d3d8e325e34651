"""Engines and sessions for the store: SQLite (WAL) by default, PostgreSQL (psycopg 3) by URL."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from adapters.store.hot import HotUnit, unit as hot_unit


#: SQLite's own default, written down because :meth:`Store.background_writes` turns it off for a
#: while on a pooled connection and must put it back.
WAL_AUTOCHECKPOINT = 1000


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or is locked; protocols answer with their 'busy' failure."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_store_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": 5},
    )


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets several gateway processes read while one writes; busy_timeout makes writers queue.
    cur.execute("PRAGMA journal_mode=WAL")
    # Under WAL, NORMAL loses no committed transaction when the application crashes (only the last
    # ones if the machine loses power) and spares every commit an fsync.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
    # Checkpoints stay automatic (every 1,000 WAL pages, by the committing connection): moved to a
    # thread of their own, PASSIVE checkpoints under constant load never let the log restart, and
    # it grew by 10 MB a second (measured with bench.compare's load). The one exception, the
    # request journal's writer, checkpoints after its own commits, at most once a second
    # (Store.background_writes).
    cur.close()


class Store:
    """The result store of one process. Create it after forking: engines do not survive a fork."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = create_store_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._before_dispose: list[Callable[[], object]] = []
        #: SQLite takes one writer at a time and makes the others poll with growing sleeps (1, 2, 5,
        #: 10 ... 100 ms); the writing threads of one process queue on this lock instead, which keeps
        #: each write short and the tail latency flat. PostgreSQL writers do not block each other.
        self.writer = threading.Lock() if self.url.startswith("sqlite") else contextlib.nullcontext()
        self._long_writes = 0
        self._long_writes_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def long_write(self) -> Iterator[None]:
        """Marks a unit of work that may hold the database's write lock for long (an itslearning
        import): meanwhile :attr:`long_write_under_way` tells ``serve`` to keep requests off its event
        loop, where one waiting for that lock would hold every other connection of the worker too."""
        with self._long_writes_lock:
            self._long_writes += 1
        try:
            yield
        finally:
            with self._long_writes_lock:
                self._long_writes -= 1

    @property
    def long_write_under_way(self) -> bool:
        """Whether a :meth:`long_write` of this process is under way (another process's is not seen)."""
        return self._long_writes > 0

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back whole if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if _is_unavailable(exc):
                raise StoreUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def hot(self) -> contextlib.AbstractContextManager[HotUnit]:
        """A unit of work for prepared statements on the hot paths (:mod:`adapters.store.hot`), an
        unavailable store told apart as :class:`StoreUnavailable` as :meth:`session` does."""
        return hot_unit(self.engine, lambda exc: StoreUnavailable(str(getattr(exc, "orig", None) or exc)))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in one transaction (bulk writes), an unavailable store told apart as
        :class:`StoreUnavailable` as :meth:`session` does."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except DBAPIError as exc:
            if _is_unavailable(exc):
                raise StoreUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise

    @contextlib.contextmanager
    def background_writes(self, checkpoint: bool = True) -> Iterator[Connection]:
        """A connection for a background writer's transactions (the request journal), each begun
        with ``connection.begin()`` inside ``store.writer``; an unavailable store told apart as
        :class:`StoreUnavailable` as :meth:`session` does.

        On SQLite its commits leave the WAL alone and the checkpoint runs once, when the block
        ends (if ``checkpoint``: the journal asks for one at most once a second), outside the
        writers' turn: a commit that crosses the automatic checkpoint's threshold copies the log
        into the database before it returns, and every request write queued behind it waited for
        that too. The journal writes most of the log's pages, so it crossed the
        threshold most often (in process, with it here: p99 7.1 -> 5.5 ms, max 18 -> 12 ms for LIS
        readResult; on a SQLite file store the journal now has a file of its own, whose log only
        it writes: :func:`adapters.store.journal.open_store`). A PASSIVE checkpoint lets writers go
        on meanwhile; the requests' own automatic checkpoint stays as it was, for whatever this one
        leaves.
        """
        sqlite = self.dialect == "sqlite"

        def pragma(statement: str) -> None:
            if sqlite:
                connection.exec_driver_sql(statement)
                connection.commit()  # (SQLAlchemy began a transaction for it; the block begins its own)

        try:
            with self.engine.connect() as connection:
                pragma("PRAGMA wal_autocheckpoint=0")
                try:
                    yield connection
                    if checkpoint:
                        with contextlib.suppress(DBAPIError):  # the writes are in; a missed checkpoint is the requests' to run
                            pragma("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    pragma(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
        except DBAPIError as exc:
            if _is_unavailable(exc):
                raise StoreUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise StoreUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc

    def before_dispose(self, hook: Callable[[], object]) -> None:
        """Run ``hook`` when the store is disposed, before its connections close (a background
        writer finishing its work, rather than opening a connection nobody will close)."""
        self._before_dispose.append(hook)

    def dispose(self) -> None:
        for hook in self._before_dispose:
            hook()
        self.engine.dispose()

    def release_idle(self) -> None:
        """Close idle pooled connections after a large write (an uploaded file). sqlite3 keeps each
        cached statement's last bound values, so a pooled SQLite connection would hold the file's
        bytes until that statement ran again; other servers keep nothing, and are left alone."""
        if self.dialect == "sqlite":
            self.engine.dispose()


def _is_unavailable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return True
    return False
