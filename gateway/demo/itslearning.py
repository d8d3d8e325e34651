"""itslearning demo data (DESIGN.md §11): course 1, user 2, grade 1, and a QTI 2.1 package uploaded
under GUID 177e9203-a5c8-4972-ab80-b00c11600b91, so that the seed's CreateCourseElementTest
message imports. The package is built from the files in ``data/itslearning-package/``."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy.orm import Session

from adapters.store import itslearning as store_its
from adapters.store.models import Account, ItsAsset, ItsCourse, ItsGrade, ItsUser
from gateway.config import Settings
from gateway.demo.accounts import ITSLEARNING_SITE_ID, DemoConflict
from gateway.resources import DEMO_DATA

PACKAGE_DIR = DEMO_DATA / "itslearning-package"
PACKAGE_GUID = "177e9203-a5c8-4972-ab80-b00c11600b91"


def package_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(PACKAGE_DIR.iterdir(), key=lambda p: p.name):
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


#: (model, id, what, fields) of the rows the seed's message names; ids are global in the store
ROWS = (
    (ItsCourse, 1, "course", {"site_id": ITSLEARNING_SITE_ID, "sync_key": "demo-course", "title": "Demo course"}),
    (ItsUser, 1, "user", {"site_id": ITSLEARNING_SITE_ID, "sync_key": "demo-admin", "name": "Demo Admin"}),
    (ItsUser, 2, "user", {"site_id": ITSLEARNING_SITE_ID, "sync_key": "demo-teacher", "name": "Demo Teacher"}),
    (ItsGrade, 1, "grade", {"name": "Pass/Fail"}),
)


def load(session: Session, account: Account, settings: Settings) -> list[str]:
    for model, row_id, what, _fields in ROWS:
        existing = session.get(model, row_id)
        if existing is not None and existing.account_id != account.id:
            raise DemoConflict(f"itslearning {what} id {row_id} belongs to another account; the demo data needs it "
                               "(remove that account, or use another store)")
    for model, row_id, _what, fields in ROWS:
        store_its.ensure_row(session, model, row_id, account_id=account.id, **fields)
    replaced = []
    asset = session.get(ItsAsset, PACKAGE_GUID)
    if asset is not None and asset.account_id != account.id:
        raise DemoConflict(f"the upload {PACKAGE_GUID} belongs to another account; the demo data needs it")
    if asset is not None:  # a refresh: a new expiry and today's package
        replaced.append(f"the itslearning upload {PACKAGE_GUID} (a new copy, kept another "
                        f"{settings.itslearning_asset_keep_days} days)")
        session.delete(asset)
        session.flush()
    store_its.add_asset(session, account.id, ITSLEARNING_SITE_ID, "demo-test.zip", package_bytes(),
                        settings.itslearning_asset_keep_days, guid=PACKAGE_GUID)
    return replaced
