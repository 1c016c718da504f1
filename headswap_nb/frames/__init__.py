"""Tidy, typed pandas DataFrames of analyses, detected people and head-swap tasks.

The only package that imports pandas. Every frame has a fixed schema (``schema``): the same
columns in the same order with the same nullable dtypes, even with zero rows. ``build``
makes the frames from any input (``records`` turns it into plain record dicts; ``columns``
does the column maths without pandas); ``html`` renders them escaped; ``files`` writes and
reads CSV and Parquet with the exact schema; ``preflight`` is ``hs.probe`` (the pre-flight
look at each video, as a frame).
"""

from headswap_nb.frames.build import people_dataframe, tasks_dataframe, to_dataframe
from headswap_nb.frames.files import read_csv, read_parquet, to_csv, to_parquet
from headswap_nb.frames.html import readable, show, to_html
from headswap_nb.frames.preflight import probe, probe_dataframe
from headswap_nb.frames.schema import ANALYSIS_SCHEMA, PEOPLE_SCHEMA, STATUS_DTYPE, TASK_SCHEMA

__all__ = [
    "ANALYSIS_SCHEMA",
    "PEOPLE_SCHEMA",
    "STATUS_DTYPE",
    "TASK_SCHEMA",
    "people_dataframe",
    "probe",
    "probe_dataframe",
    "read_csv",
    "read_parquet",
    "readable",
    "show",
    "tasks_dataframe",
    "to_csv",
    "to_dataframe",
    "to_html",
    "to_parquet",
]
