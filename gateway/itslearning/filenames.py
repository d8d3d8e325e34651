"""Upload names as Windows would store them, and itslearning's refused extensions (DESIGN.md §8).

itslearning runs on Windows, where ``evil.exe.``, ``evil.exe ``, ``evil.exe::$DATA`` and
``EVIL.EXE`` all name the file ``evil.exe``: Windows drops trailing dots and spaces, everything
from the first colon names an NTFS stream of the file before it, and case is not significant.
Checking the extension of the name as sent let all of these through; the check runs on the name
Windows would create, and that name is what is stored.
"""
from __future__ import annotations

import ntpath
import re

#: Extensions itslearning refuses to store; a name without one is refused too.
REFUSED_EXTENSIONS = frozenset(
    ".exe .com .vb .vbs .vbe .cmd .bat .ws .wsf .src .shs .pif .hta .jar .js .jse .lnk".split()
)
#: Characters Windows does not allow in a file name (the colon is handled as a stream separator).
_INVALID = re.compile(r'[\x00-\x1f<>"|?*]')
MAX_NAME_CHARS = 255


class RefusedName(ValueError):
    """The name cannot be stored; the message is the caller's to read."""


def windows_name(sent: str) -> str:
    """The file name Windows would create for ``sent`` (a path's last part, stream and trailing
    dots and spaces removed)."""
    name = ntpath.basename(sent.replace("/", "\\"))
    name = name.split(":", 1)[0]
    return name.rstrip(" .")


def accepted_name(sent: str) -> str:
    """``sent`` as it will be stored, or :class:`RefusedName` saying why not."""
    name = windows_name(sent)
    if not name or len(name) > MAX_NAME_CHARS or _INVALID.search(name):
        raise RefusedName(f"'{sent[:100]}' is not a valid file name.")
    extension = ntpath.splitext(name)[1].lower()
    if not extension or extension in REFUSED_EXTENSIONS:
        raise RefusedName(f"Files of type '{extension or '(none)'}' are not accepted.")
    return name
