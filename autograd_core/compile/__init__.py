"""``compile``: trace a scalar function once, then run it over whole NumPy batches.

``trace`` records the graph; ``program`` turns it into vectorised steps (see
``Compiled``). Results match the eager engine to ~1e-12.
"""

from ..modes import TracingError
from .program import Compiled, compile, program_dtype, release_buffers

__all__ = ["Compiled", "TracingError", "compile", "program_dtype", "release_buffers"]
