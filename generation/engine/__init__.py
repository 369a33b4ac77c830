"""The engine process (`manage.py runengine`, also started by `runworkers`): one asyncio loop that
keeps every in-flight provider job moving and writes product pages. See loop.py."""

from generation.engine.loop import Engine, engine_run, engine_run_once

__all__ = ["Engine", "engine_run", "engine_run_once"]
