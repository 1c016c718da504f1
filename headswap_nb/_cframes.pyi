# The compiled reader of _cframes.c (see _frames_native.py, its only caller).
def columns(
    records: object, spec: tuple[tuple[tuple[str, ...], int], ...], /
) -> tuple[tuple[bytearray, bytearray, bytearray | None], ...] | None: ...
