"""The one thing pyproject.toml cannot declare yet without a warning: the optional C extension.

``optional=True``: where no C compiler (or no Python headers) is found the build logs why and
goes on, and headswap_nb.frames uses its pure-Python path (about 3× json_normalize instead of
about 10×; ``benchmarks/frames.py`` prints both).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("headswap_nb._cframes", sources=["headswap_nb/_cframes.c"], optional=True)
    ]
)
