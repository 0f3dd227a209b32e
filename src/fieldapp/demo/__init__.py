"""Demo data: a realistic county of retail customers for trying FieldApp and for benchmarks.

:func:`generate_demo_profile` is the entry point (used by ``fieldapp demo`` and
the window's ``--demo``). Demo data never enters the change journal, so it never
syncs; ``profile_meta`` ``demo = "1"`` marks a profile that holds it.
"""

from .loader import (
    DEMO_MARKER_KEY,
    MAX_CUSTOMERS,
    DemoCancelled,
    DemoError,
    DemoSummary,
    ProfileNotEmpty,
    generate_demo_profile,
)
from .templates import load_counter_checklist

__all__ = ["DEMO_MARKER_KEY", "MAX_CUSTOMERS", "DemoCancelled", "DemoError", "DemoSummary", "ProfileNotEmpty",
           "generate_demo_profile", "load_counter_checklist"]
