"""JSON text of trial fields, made as `json.dumps` makes it, with one encoder per process.

`json.dumps` builds a fresh encoder on every call, which costs about as much as encoding a
small dict; the search loop encodes several per trial (the assignment's canonical key for
deduplication, the assignment and metrics for storage). `dumps` and `sorted_dumps` give
exactly ``json.dumps(obj)`` and ``json.dumps(obj, sort_keys=True)`` (so `sorted_dumps` is
`assignment_key`), from an encoder made once. Trial fields hold no reference cycles, so the
encoders skip the circular-reference check (a cycle would raise `RecursionError` instead of
`ValueError`).

    >>> dumps({"b": [1, 2.5], "a": "x"}), sorted_dumps({"b": [1, 2.5], "a": "x"})
    ('{"b": [1, 2.5], "a": "x"}', '{"a": "x", "b": [1, 2.5]}')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any


def _make(sort_keys: bool) -> Callable[[Any], str]:
    made = getattr(_encoder, "c_make_encoder", None)
    if made is None:  # no C accelerator (another Python): json.dumps itself
        return json.JSONEncoder(sort_keys=sort_keys).encode
    # the arguments `json.JSONEncoder.iterencode` passes, with the defaults of `json.dumps`
    # (ensure_ascii, allow_nan, ", " and ": ") and no circular check
    encode = made(None, json.JSONEncoder().default, _encoder.encode_basestring_ascii, None,
                  ": ", ", ", sort_keys, False, True)

    def dumps(obj: Any) -> str:
        return "".join(encode(obj, 0))
    return dumps


#: ``json.dumps(obj)``
dumps = _make(sort_keys=False)
#: ``json.dumps(obj, sort_keys=True)``: `archlang.ir.decisions.assignment_key`
sorted_dumps = _make(sort_keys=True)
