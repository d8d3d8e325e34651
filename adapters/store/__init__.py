"""The internal result store: SQLAlchemy models, sessions and Alembic migrations."""
from adapters.store.db import Store, StoreUnavailable

__all__ = ["Store", "StoreUnavailable"]
