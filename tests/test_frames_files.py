"""headswap_nb.frames.files: CSV and Parquet round trips with the exact schema."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

# akool-api.md §4.1, §4.2, §4.3, §4.4 examples, verbatim.
from frames_fixtures import (
    COMPLETED,
    SUBMIT,
    TASK_DONE,
    Entry,
    data,
)

from headswap_nb import frames

# --- export -----------------------------------------------------------------------------


def sample() -> pd.DataFrame:
    start = datetime(2026, 5, 15, tzinfo=timezone.utc)
    entry = Entry(data(COMPLETED), start, start + timedelta(seconds=3))
    return frames.to_dataframe(
        [entry, data(SUBMIT), {"_id": "x", "status": 7, "error_reason": "NA"}]
    )


def test_parquet_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    for df in (sample(), frames.people_dataframe([COMPLETED]), frames.tasks_dataframe([TASK_DONE])):
        frames.to_parquet(df, tmp_path / "f.parquet")
        pd.testing.assert_frame_equal(frames.read_parquet(tmp_path / "f.parquet"), df)
    empty = frames.to_dataframe([])
    frames.to_parquet(empty, tmp_path / "e.parquet")
    pd.testing.assert_frame_equal(frames.read_parquet(tmp_path / "e.parquet"), empty)


def test_csv_round_trip(tmp_path: Path) -> None:
    for df in (sample(), frames.people_dataframe([COMPLETED]), frames.tasks_dataframe([TASK_DONE])):
        frames.to_csv(df, tmp_path / "f.csv")
        pd.testing.assert_frame_equal(frames.read_csv(tmp_path / "f.csv"), df)


def test_parquet_without_pyarrow_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    df = sample()
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"headswap-nb\[parquet\]"):
        frames.to_parquet(df, tmp_path / "f.parquet")
    with pytest.raises(ImportError, match=r"headswap-nb\[parquet\]"):
        frames.read_parquet(tmp_path / "f.parquet")
