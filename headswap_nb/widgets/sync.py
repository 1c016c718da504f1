"""Trait updates as data: what would change, and applying it as one comm message per widget.

A view describes what it should show as ``Changes`` (widget → trait values). ``changes()``
keeps only what differs from the widget's current traits, so its length is exactly the number
of comm messages ``apply()`` will send (each widget's traits go in one ``hold_sync`` message).
That lets the renderer price an update before sending it, and makes re-rendering an unchanged
view free.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Changes", "apply", "assign", "changes"]

Changes = dict[Any, dict[str, object]]
"""Widget → the trait values to set on it."""


def changes(targets: Changes) -> Changes:
    """The part of ``targets`` that differs from the widgets' current traits."""
    out: Changes = {}
    for widget, traits in targets.items():
        diff = {k: v for k, v in traits.items() if getattr(widget, k) != v}
        if diff:
            out[widget] = diff
    return out


def apply(diff: Changes) -> int:
    """Set ``diff`` (from ``changes``), one message per widget; returns the messages sent."""
    for widget, traits in diff.items():
        with widget.hold_sync():
            for name, value in traits.items():
                setattr(widget, name, value)
    return len(diff)


def assign(widget: Any, **traits: object) -> int:
    """Set ``traits`` on ``widget`` in one message; returns 1 if anything changed, else 0."""
    return apply(changes({widget: traits}))
