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
from gateway.demo.accounts import ITSLEARNING_SITE_ID
from gateway.resources import DEMO_DATA

PACKAGE_DIR = DEMO_DATA / "itslearning-package"
PACKAGE_GUID = "177e9203-a5c8-4972-ab80-b00c11600b91"


def package_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(PACKAGE_DIR.iterdir(), key=lambda p: p.name):
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


def load(session: Session, account: Account, settings: Settings) -> None:
    store_its.ensure_row(session, ItsCourse, 1, account_id=account.id, site_id=ITSLEARNING_SITE_ID,
                         sync_key="demo-course", title="Demo course")
    store_its.ensure_row(session, ItsUser, 1, account_id=account.id, site_id=ITSLEARNING_SITE_ID, sync_key="demo-admin",
                         name="Demo Admin")
    store_its.ensure_row(session, ItsUser, 2, account_id=account.id, site_id=ITSLEARNING_SITE_ID, sync_key="demo-teacher",
                         name="Demo Teacher")
    store_its.ensure_row(session, ItsGrade, 1, account_id=account.id, name="Pass/Fail")
    asset = session.get(ItsAsset, PACKAGE_GUID)
    if asset is not None:  # a refresh: a new expiry and today's package
        session.delete(asset)
        session.flush()
    store_its.add_asset(session, account.id, ITSLEARNING_SITE_ID, "demo-test.zip", package_bytes(),
                        settings.itslearning_asset_keep_days, guid=PACKAGE_GUID)
