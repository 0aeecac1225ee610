"""`kmodel.allocation.few_collections`: the collector's threshold is raised inside, restored after."""

from __future__ import annotations

import gc

import pytest

from kmodel.allocation import THRESHOLD, few_collections


def test_threshold_is_raised_inside_and_restored_after():
    before = gc.get_threshold()
    with few_collections():
        assert gc.get_threshold()[0] == max(THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_threshold_is_restored_when_the_block_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with few_collections():
            raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_a_disabled_threshold_stays_disabled():
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with few_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
