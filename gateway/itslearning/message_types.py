"""The DataService message types this gateway carries out (GetMessageTypes answers this list)."""
from __future__ import annotations

#: Id -> Name, as GetMessageTypes reports them.
MESSAGE_TYPES = {1: "Create.Course.Element.Test"}
CREATE_COURSE_ELEMENT_TEST = 1


def handler(type_id: int) -> str | None:
    return MESSAGE_TYPES.get(type_id)
