"""`warmintro serve` sets what start-up built aside from the garbage collector's passes."""

from __future__ import annotations

import gc

from adapters.cli import settle_heap


def test_objects_alive_after_start_up_are_no_longer_walked_by_the_collector() -> None:
    built_at_start_up = {"config": [1, 2, 3]}
    assert any(o is built_at_start_up for o in gc.get_objects())
    try:
        frozen = settle_heap()
        assert frozen == gc.get_freeze_count() > 0
        assert not any(o is built_at_start_up for o in gc.get_objects())
        later = {"request": [4]}
        assert any(o is later for o in gc.get_objects())  # what comes later is collected as usual
    finally:
        gc.unfreeze()
