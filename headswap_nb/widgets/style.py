"""The board's CSS, carried by one hidden HTML widget.

A row's action button ("Swap…") is in every row from the start and shown by CSS on completed
analysis rows only, so a row changing state costs no extra comm message for it (its class
already changes).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

__all__ = ["STYLE_HTML", "style_widget"]

STYLE_HTML = (
    "<style>.hs-row .hs-swap-open{visibility:hidden}"
    ".hs-row.hs-row-completed .hs-swap-open{visibility:visible}"
    ".hs-row .hs-send-anyway{display:none}"
    ".hs-row.hs-row-held .hs-send-anyway{display:inline-flex}"
    # Between two updates of a bar's value the browser slides it there: with updates a
    # fraction of a second apart, the bar moves smoothly instead of stepping.
    ".hs-board .progress-bar{transition:width .45s linear}"
    ".hs-output-video{max-width:100%;max-height:360px;display:block;margin:4px 0}"
    # The board's static snapshot is for where widgets cannot render: here they do.
    ".hs-snapshot-static{display:none}"
    ".jp-OutputArea-child:has(.hs-snapshot-static){display:none}</style>"
)


def style_widget() -> Any:
    """A hidden HTML widget carrying ``STYLE_HTML``."""
    return W.HTML(STYLE_HTML, layout=W.Layout(display="none"), _dom_classes=("hs-style",))
