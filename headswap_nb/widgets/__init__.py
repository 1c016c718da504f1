"""Notebook widgets: the only place that imports ipywidgets.

``AnalysisBoard`` submits, watches and collects analyses; it drives a ``Batch`` and renders
its events, throttled. Import ``headswap_nb.AnalysisBoard`` (lazy) or from here.
"""

from headswap_nb.widgets.board import AnalysisBoard

__all__ = ["AnalysisBoard"]
