"""A module imported on first use, for libraries that only some code paths of a process need.

A web worker serves job polls, lists and the gallery; it rarely or never fetches a URL, decodes
an image, sanitises a template or calls a provider, yet importing httpx, Pillow, nh3, tinycss2
and tenacity at start-up cost each worker several MB (benchmarks/api_bench.py prints a worker's
RSS). `name = lazy_module("name")` stands for the module and imports it at the first attribute
read (or write), safely from several threads at once; afterwards an access costs one more
attribute read.

Type checkers see the real module: import it under `if TYPE_CHECKING:` and assign the lazy one
in the `else:` branch.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    __slots__ = ("_loaded", "_name")

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_loaded", None)

    def _module(self) -> Any:
        loaded = object.__getattribute__(self, "_loaded")
        if loaded is None:
            # import_module, not a look in sys.modules: a module another thread is importing is
            # there half made, and import_module waits for it to be complete.
            loaded = importlib.import_module(object.__getattribute__(self, "_name"))
            object.__setattr__(self, "_loaded", loaded)
        return loaded

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._module(), attribute)

    def __setattr__(self, attribute: str, value: Any) -> None:
        setattr(self._module(), attribute, value)

    def __repr__(self) -> str:
        return f"<lazy module {object.__getattribute__(self, '_name')!r}>"


def lazy_module(name: str) -> Any:
    """`name`, imported when first used."""
    return LazyModule(name)
