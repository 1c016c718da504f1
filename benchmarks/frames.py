"""to_dataframe vs pandas.json_normalize on the same raw analysis records, same run.

    .venv/bin/python benchmarks/frames.py [--n 100000] [--repeats 3]

Records are generated deterministically and shaped like akool-api.md §4.1/§4.2: a quarter
are fresh submits (no analysis_result, error_code or error_reason keys), a few failed, the
rest completed with 1–4 people and video_info (missing now and then). Missing keys are what
make json_normalize turn integer columns into floats. Times are the best of ``--repeats``;
peak memory is measured separately with tracemalloc (which slows code down) and counts the
Python heap and numpy buffers but not Arrow buffers, for either side.
Rows, side by side in one run: ``to_dataframe`` on the raw dicts; on the same records as
``Analysis`` objects (what ``Batch.records`` holds); on a batch's entries (with their times and
states); and ``json_normalize`` on the raw dicts, the baseline.
Targets (issue 14, design.md §5): pure Python, ≥ 3.5× faster than json_normalize on raw dicts;
on ``Analysis`` objects within 1.3× of the time on raw dicts; integer columns still integers.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from headswap_nb.frames import people_dataframe, to_dataframe
from headswap_nb.jobs import EntryState, JobEntry
from headswap_nb.models import Analysis

INT_COLUMNS = ("status_code", "detected_objects", "people", "width", "height", "frame_count")
BASE_MS = 1_778_806_019_014


def make_records(n: int, seed: int = 20260518) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        created = BASE_MS + i * 1_337
        record: dict[str, Any] = {
            "_id": f"{created // 1000:08x}{i:016x}",
            "create_time": created,
            "uid": 101_400 + i % 50,
            "team_id": "6805fb69e92d9edc7ca0b409",
            "video_url": f"https://cdn.example.com/videos/{i:07d}.mp4",
            "type": "head",
            "status": 1,
            "task_id": f"{created // 1000:08x}{i + 7:016x}",
            "progress": 0,
        }
        kind = rng.random()
        if kind < 0.25:  # just submitted: nothing else yet
            pass
        elif kind < 0.30:
            record.update(status=4, progress=rng.randint(0, 90), error_code=2001)
            record["error_reason"] = "video duration out of range"
        else:
            people = rng.randint(1, 4)
            result: dict[str, Any] = {
                "detected_objects": people,
                "media": [
                    {
                        "media_type": "images",
                        "obj_id": k,
                        "img_url": f"https://cdn.example.com/previews/{i:07d}_{k}.png",
                    }
                    for k in range(people)
                ],
            }
            if rng.random() < 0.9:
                fps = rng.choice((24, 25, 30, 29.97, 60))
                result["video_info"] = {
                    "width": rng.choice((1280, 1916, 1920)),
                    "height": rng.choice((720, 1082, 1080)),
                    "fps": fps,
                    "frame_count": int(fps * rng.uniform(3, 20)),
                }
            record.update(status=3, progress=100, analysis_result=result)
            record.update(error_reason="success", error_code=0)
        records.append(record)
    return records


def as_entries(analyses: list[Analysis]) -> list[JobEntry]:
    """The analyses as a finished batch holds them (state and times known)."""
    at = datetime(2026, 5, 18, tzinfo=timezone.utc)
    return [
        JobEntry(a.video_url or "", EntryState.COMPLETED, ref=i, record=a, job_id=a.id,
                 submitted_at=at, finished_at=at)
        for i, a in enumerate(analyses)
    ]  # fmt: skip


def best_time(function: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall time and best CPU time (CPU time is steadier on a shared machine)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def peak_mib(function: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    records = make_records(args.n)
    analyses = [Analysis.from_json(r) for r in records]
    entries = as_entries(analyses)
    ours, theirs = to_dataframe(records), pd.json_normalize(records)
    rows = {
        "dicts": lambda: to_dataframe(records),
        "Analysis objects": lambda: to_dataframe(analyses),
        "batch entries": lambda: to_dataframe(entries),
        "json_normalize": lambda: pd.json_normalize(records),
    }
    times = {name: best_time(run, args.repeats) for name, run in rows.items()}
    peaks = {name: peak_mib(run) for name, run in rows.items()}
    assert to_dataframe(analyses).equals(ours), "dicts and Analysis objects disagree"

    print(f"{args.n:,} records, best of {args.repeats}, pure Python")
    print(f"{'to_dataframe on':18}{'wall s':>10}{'cpu s':>10}{'peak MiB':>10}{'speed-up':>10}")
    base_wall, base_cpu = times["json_normalize"]
    for name, (wall, cpu) in times.items():
        print(f"{name:18}{wall:10.3f}{cpu:10.3f}{peaks[name]:10.1f}{base_wall / wall:9.1f}×")
    wall, cpu = times["dicts"]
    objects = times["Analysis objects"][0] / wall
    memory = peaks["dicts"] / peaks["json_normalize"]
    dicts_ok, objects_ok = base_wall / wall >= 3.5, objects <= 1.3
    verdict = "PASS" if dicts_ok else "MISS"
    print(
        f"{verdict}: dicts vs json_normalize {base_wall / wall:.1f}× wall, "
        f"{base_cpu / cpu:.1f}× cpu (target ≥ 3.5×); memory ratio {memory:.2f}"
    )
    print(f"{'PASS' if objects_ok else 'MISS'}: Analysis objects take {objects:.2f}× the time of "
          "dicts (target ≤ 1.3×)")  # fmt: skip

    people_wall, _ = best_time(lambda: people_dataframe(records), args.repeats)
    people = len(people_dataframe(records))
    print(f"people_dataframe: {people:,} rows (one per detected person) in {people_wall:.3f} s")

    normalized = {
        "status_code": "status",
        "detected_objects": "analysis_result.detected_objects",
        "width": "analysis_result.video_info.width",
        "height": "analysis_result.video_info.height",
        "frame_count": "analysis_result.video_info.frame_count",
    }
    print("integer columns:")
    for name in INT_COLUMNS:
        other = normalized.get(name)
        theirs_dtype = theirs[other].dtype if other in theirs else "(no column)"
        print(f"  {name:18} ours {ours[name].dtype!s:8} json_normalize {theirs_dtype}")
    assert all(str(ours[name].dtype) == "Int64" for name in INT_COLUMNS)


if __name__ == "__main__":
    main()
