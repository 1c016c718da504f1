"""What the commands read: a list of video URLs, and a CSV of faces to swap in.

Pure: text in, values out, and an ``InputError`` naming the line when the text is not what
a command takes. Validating a URL itself (scheme, host) is the client's job
(``client.urls.parse_urls``, which the batch applies); here we only find the URLs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

__all__ = ["FaceGroup", "InputError", "read_faces", "read_urls"]

URL_COLUMN = "video_url"
FACE_COLUMNS = ("video_url", "obj_id", "face_url")


class InputError(ValueError):
    """The input is not a list of URLs / a faces CSV; the message names the line."""


@dataclass(frozen=True, slots=True)
class FaceGroup:
    """The faces for one video: one head-swap task's mappings."""

    url: str
    """The analysed video URL, exactly as written (the task must send the same string)."""
    mappings: tuple[tuple[int, str], ...]
    """``(obj_id, face image URL)`` pairs, sorted by ``obj_id`` so that the same CSV in
    another row order is the same request (and a resume does not create it again)."""
    line: int
    """The CSV line of the group's first row, for messages."""


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _is_csv_header(line: str) -> bool:
    cells = next(csv.reader([line]), [])
    return any(cell.strip().lower() == URL_COLUMN for cell in cells)


def read_urls(text: str) -> list[tuple[int, str]]:
    """``(line, URL)`` of each URL in ``text``: one a line (blank lines and ``#`` comments
    skipped), or — when the first line is a CSV header with a ``video_url`` column — that
    column of every row. Duplicates are kept (the batch counts and drops them)."""
    if text.startswith("\ufeff"):  # a BOM, as spreadsheet programs write
        text = text[1:]
    if _is_csv_header(_first_line(text)):
        return _csv_column(text)
    urls = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            urls.append((number, stripped))
    return urls


def _csv_column(text: str) -> list[tuple[int, str]]:
    lines = text.splitlines(keepends=True)
    skip = next(i for i, line in enumerate(lines) if line.strip())  # blank lines first
    reader = csv.DictReader(io.StringIO("".join(lines[skip:])))
    field = next(f for f in reader.fieldnames or () if f.strip().lower() == URL_COLUMN)
    found = []
    for row in reader:
        value = row.get(field)
        if isinstance(value, str) and value.strip():
            found.append((reader.line_num + skip, value.strip()))
    return found


def read_faces(text: str) -> list[FaceGroup]:
    """The groups of a faces CSV (columns ``video_url,obj_id,face_url``, any order, extra
    columns ignored): the rows of one URL become one task's mappings, in first-seen order.
    Raises ``InputError`` on a missing column, a bad ``obj_id`` or an ``obj_id`` given
    twice for one URL (which face would win?)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text))
    names = {(f or "").strip().lower(): f for f in reader.fieldnames or ()}
    missing = [c for c in FACE_COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"the faces CSV needs the columns {', '.join(FACE_COLUMNS)}; "
            f"missing: {', '.join(missing)}"
        )
    groups: dict[str, dict[int, str]] = {}
    first: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        url, obj, face = (_cell(row, names[c]) for c in FACE_COLUMNS)
        if not (url or obj or face):
            continue
        if not (url and obj and face):
            raise InputError(f"line {line}: every row needs a video_url, an obj_id and a face_url")
        try:
            obj_id = int(obj)
        except ValueError:
            raise InputError(f"line {line}: obj_id {obj!r} is not a whole number") from None
        faces = groups.setdefault(url, {})
        first.setdefault(url, line)
        if obj_id in faces:
            raise InputError(f"line {line}: obj_id {obj_id} of {url} is given twice")
        faces[obj_id] = face
    return [
        FaceGroup(url, tuple(sorted(faces.items())), first[url]) for url, faces in groups.items()
    ]


def _cell(row: dict[str, str | None], name: str | None) -> str:
    value = row.get(name) if name is not None else None
    return value.strip() if isinstance(value, str) else ""
