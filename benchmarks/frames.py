"""to_dataframe vs pandas.json_normalize on the same raw analysis records, same run.

    .venv/bin/python benchmarks/frames.py [--n 100000] [--repeats 3]

Records are generated deterministically and shaped like akool-api.md §4.1/§4.2: a quarter
are fresh submits (no analysis_result, error_code or error_reason keys), a few failed, the
rest completed with 1–4 people and video_info (missing now and then). Missing keys are what
make json_normalize turn integer columns into floats. Times are the best of ``--repeats``;
peak memory is measured separately with tracemalloc (which slows code down) and counts the
Python heap and numpy buffers but not Arrow buffers, for either side.
The compiled reader (headswap_nb/_cframes.c, built by ``pip install`` where a C compiler is
present) is what ``to_dataframe`` uses on such records; the "pure Python" row is the same call
without it, as an install without a compiler runs it.
Target (design.md §5): ≥ 5× faster, no more memory, integer columns still integers.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pandas as pd

from headswap_nb import _frames_native as native
from headswap_nb.frames import people_dataframe, to_dataframe

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


def pure_python(records: list[dict[str, Any]]) -> pd.DataFrame:
    """``to_dataframe`` as an install without a C compiler runs it."""
    saved, native._cframes = native._cframes, None
    try:
        return to_dataframe(records)
    finally:
        native._cframes = saved


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
    ours, theirs = to_dataframe(records), pd.json_normalize(records)
    rows = {
        "to_dataframe": lambda: to_dataframe(records),
        "  pure Python": lambda: pure_python(records),
        "json_normalize": lambda: pd.json_normalize(records),
    }
    if not native.available():  # the first row already is the pure-Python path
        del rows["  pure Python"]
    times = {name: best_time(run, args.repeats) for name, run in rows.items()}
    peaks = {name: peak_mib(run) for name, run in rows.items()}
    assert pure_python(records).equals(ours), "the two paths of to_dataframe disagree"

    built = "built" if native.available() else "NOT built (no C compiler at install)"
    print(f"{args.n:,} records, best of {args.repeats}; compiled reader (_cframes): {built}")
    print(f"{'':18}{'wall s':>10}{'cpu s':>10}{'peak MiB':>10}{'speed-up':>10}")
    base_wall, base_cpu = times["json_normalize"]
    for name, (wall, cpu) in times.items():
        print(f"{name:18}{wall:10.3f}{cpu:10.3f}{peaks[name]:10.1f}{base_wall / wall:9.1f}×")
    wall, cpu = times["to_dataframe"]
    memory = peaks["to_dataframe"] / peaks["json_normalize"]
    print(f"to_dataframe vs json_normalize: {base_wall / wall:.1f}× wall, "
          f"{base_cpu / cpu:.1f}× cpu (target ≥ 5×); "
          f"memory ratio {memory:.2f} (target ≤ 1)")  # fmt: skip

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
