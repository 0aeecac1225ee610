"""Events: `step` applies only enabled events, `enabled` lists events of every actor, every event is frozen
data with a Python-valid repr (DESIGN principle 2)."""

from __future__ import annotations

import pytest

from kmodel.errors import EventNotEnabled
from kmodel.events import ACTORS, Event, enabled, event_source, sources, step
from kmodel.scenarios import seed
from kmodel.user import DeletePod


def test_step_refuses_an_event_that_is_not_enabled():
    with pytest.raises(EventNotEnabled, match="DeletePod"):
        step(seed(), DeletePod("no-such-pod"))


def test_every_enabled_event_steps():
    c = seed()
    for event in enabled(c):
        assert isinstance(event, Event) and event.actor in ACTORS
        step(c, event)  # raises if the guard lied


def test_enabled_covers_every_actor_on_the_seed():
    c = seed()
    actors = {e.actor for e in enabled(c)}
    assert actors == set(ACTORS)


def test_enabled_leaves_out_the_sources_it_is_told_to_skip():
    """The Hypothesis engine's step draws without the teardown palette (`kmodel.user.TEARDOWN`)."""
    from kmodel.user import TEARDOWN, teardown_requests

    c = seed()
    everything, without = list(enabled(c)), list(enabled(c, skip=(TEARDOWN,)))
    torn = list(teardown_requests(c))
    assert torn and set(torn) <= set(everything) and not set(torn) & set(without)
    assert [e for e in everything if e not in torn] == without


def test_events_are_hashable_values_with_valid_reprs():
    import kmodel.controllers.kubelet as kubelet  # noqa: F401 - repr names live in these modules
    from kmodel import user  # noqa: F401

    for event in enabled(seed()):
        assert hash(event) == hash(event)
        module = __import__(type(event).__module__, fromlist=["*"])
        assert eval(repr(event), vars(module) | {"Map": __import__("immutables").Map}) == event


def test_duplicate_source_name_raises():
    name = sources()[0][0]
    with pytest.raises(ValueError, match="already registered"):
        event_source(name, "user")(lambda cluster: ())
