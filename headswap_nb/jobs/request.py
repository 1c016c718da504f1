"""``TaskRequest``: what a head-swap create sends besides the video URL.

Its canonical JSON is journaled with the task and, with the URL, identifies a duplicate:
creating the same (URL, request) twice would pay twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TaskRequest"]


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """The options of one task/create (akool-api.md §4.3). Holds no secret."""

    mappings: tuple[tuple[int, str], ...]
    """``(obj_id, img_url)`` pairs, in the order given."""
    resolution: str = "720p"
    """``480p`` or ``720p``."""
    model_name: str = "akool-premium"
    """The model; only ``akool-premium`` is documented."""
    keep_original_sound: bool = True
    """Keep the source audio (the API's default)."""

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): equal requests give equal strings."""
        return json.dumps(
            {
                "mappings": [{"obj_id": o, "img_url": u} for o, u in self.mappings],
                "resolution": self.resolution,
                "model_name": self.model_name,
                "keep_original_sound": self.keep_original_sound,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> TaskRequest:
        """Inverse of ``to_json``. Raises ``ValueError`` (or ``KeyError``/``TypeError``) on
        text that is not one; the journal turns those into a ``JournalError``."""
        data: Mapping[str, Any] = json.loads(text)
        return cls(
            mappings=tuple((int(m["obj_id"]), str(m["img_url"])) for m in data["mappings"]),
            resolution=str(data["resolution"]),
            model_name=str(data["model_name"]),
            keep_original_sound=bool(data["keep_original_sound"]),
        )
