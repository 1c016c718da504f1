"""The public surface and the promise that importing the package does nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import headswap_nb


def test_all_is_sorted_and_complete() -> None:
    assert headswap_nb.__all__ == sorted(headswap_nb.__all__)
    for name in headswap_nb.__all__:
        assert getattr(headswap_nb, name) is not None, name


def test_import_starts_nothing_and_reads_no_environment() -> None:
    probe = r"""
import json, os, sys, threading
class Spy(dict):
    reads = []
    def get(self, key, default=None):
        Spy.reads.append(key); return super().get(key, default)
    def __getitem__(self, key):
        Spy.reads.append(key); return super().__getitem__(key)
os.environ = Spy(os.environ)
import headswap_nb
heavy = [m for m in ("starlette", "uvicorn", "ipywidgets", "pandas", "headswap_nb.simulator")
         if m in sys.modules]
print(json.dumps({"threads": threading.active_count(), "heavy": heavy,
                  "akool_reads": [k for k in Spy.reads if "AKOOL" in k or "HEADSWAP" in k]}))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"threads": 1, "heavy": [], "akool_reads": []}
