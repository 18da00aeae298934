"""The diagram's limits and its key pattern, defined once.

The operations (``dfd.ops``), the rows (``dfd.models``), every importer (``threatmodel.interop``)
and the editor (``frontend/src/core/ops.ts``, held to these values by a contract test) all read
them from here, so a name the editor accepts is a name every path accepts. Pure: no Django.
"""

from __future__ import annotations

import re

KEY_MAX = 80
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,79}$"
KEY_RE = re.compile(KEY_PATTERN)
KEY_RULE = "must be 1-80 characters: letters, digits and _ . : - (starting with a letter or digit)"

NAME_MAX = 200
DESCRIPTION_MAX = 10_000
LABEL_MAX = 200
PROTOCOL_MAX = 60
# Coordinates and sizes are bounded so a hostile batch cannot store infinities or 1e308.
MAX_COORD = 1_000_000.0
