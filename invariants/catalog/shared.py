"""Reads several rules share on the engines' hot path, each computed once and remembered.

The explorer and the Hypothesis engine evaluate every rule on every state and step they reach. Most steps
rewrite one pod and leave the other objects, shared, as they were; most TRANSITION rules speak of one or two
event classes. So:

- Pod facts (`pod_fact`, `some_pod`): a rule declares a yes/no fact of one pod's own fields and asks whether
  some pod of a cluster has it. A pod's facts are computed once per pod object (pods are immutable, and
  `Cluster.put_pod` stores one shared object per pod value, so successive states share them), and the union
  over a `pods` map once per map: one pass over a state's pods serves every rule evaluated on that state.
- Changed pods (`changed_pods`): the pods a step rewrote, found once per step for every TRANSITION rule that
  compares pods before and after it.
- Answers per object or pair of objects (`per_object`, `per_pair`): the one way every memo of the catalog
  remembers a pure function of immutable objects by their identities.
- Event filters (`for_events`): a TRANSITION rule that speaks of a few event classes answers every other step
  with `()` at once, before a generator is built or the cluster read. The filter is also the predicate's
  `speaks_of(event class name)`, which `invariants.registry.speaks_of` reads, so that an engine can leave the
  rule out of the steps it would answer `()` (the explorer keeps a list of rules per event class).

Exactness: every memo is a `kmodel.memo.Memo` (bounded, registered: a decision swapped with `kmodel.memo.swapped`
clears it), keyed by object identity, and keeps the objects in its entry (an identity is not reused while it is
remembered). What it remembers is a pure function of those objects and of the code: a fact reads the pod's own
fields.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from kmodel.memo import Memo

_FACTS: list[Callable[[Any], bool]] = []  # bit i is _FACTS[i]
_POD_FACTS = Memo("rules-pod-facts", 16_384)  # id(pod) -> (pod, bits)
_PODS_FACTS = Memo("rules-pods-facts", 4_096)  # id(pods map) -> (pods, union of its pods' bits)


def pod_fact(test: Callable[[Any], bool]) -> int:
    """Register `test`, a yes/no function of one pod's own fields (no cluster, no model decision), and return
    its bit for `some_pod`. Registering forgets what was remembered (the remembered bits lack the new fact)."""
    _FACTS.append(test)
    _POD_FACTS.clear()
    _PODS_FACTS.clear()
    return 1 << (len(_FACTS) - 1)


def facts_of(pod) -> int:
    """The bits of the registered facts that hold for `pod`, remembered per pod object."""
    hit = _POD_FACTS.get(id(pod))
    if hit is not None and hit[0] is pod:
        return hit[1]
    bits = 0
    for i, test in enumerate(_FACTS):
        if test(pod):
            bits |= 1 << i
    _POD_FACTS.remember(id(pod), (pod, bits))
    return bits


def some_pod(cluster, fact: int) -> bool:
    """Some pod of the cluster has `fact` (a bit from `pod_fact`). The union of the pods' facts is remembered
    per `pods` map."""
    pods = cluster.pods
    hit = _PODS_FACTS.get(id(pods))
    if hit is not None and hit[0] is pods:
        return bool(hit[1] & fact)
    memo = _POD_FACTS
    bits = 0
    for pod in pods.values():
        found = memo.get(id(pod))  # `facts_of`'s own lookup, inlined: this loop runs once per state
        bits |= found[1] if found is not None and found[0] is pod else facts_of(pod)
    _PODS_FACTS.remember(id(pods), (pods, bits))
    return bool(bits & fact)


def per_object(memo: Memo, obj, compute: Callable[[Any], Any]):
    """`compute(obj)`, remembered in `memo` by the object's identity. The entry keeps the object (its identity is
    not reused while remembered); `compute` must be a pure function of it."""
    hit = memo.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    value = compute(obj)
    memo.remember(id(obj), (obj, value))
    return value


def per_pair(memo: Memo, a, b, compute: Callable[[Any, Any], Any], also: Any = None):
    """`compute(a, b)`, remembered in `memo` by the identities of both objects and `also`, a value the answer
    also depends on (compared with `==`; an event class, say). Entries are `(a, b, also, answer)` under the key
    `(id(a), id(b))`, which a caller on a hot path may look up itself. The entry keeps both objects (their
    identities are not reused while remembered)."""
    key = (id(a), id(b))
    hit = memo.get(key)
    if hit is not None and hit[0] is a and hit[1] is b and hit[2] == also:
        return hit[3]
    value = compute(a, b)
    memo.remember(key, (a, b, also, value))
    return value


_LAST_STEP: list = [None, None, ()]  # the pods maps of the last step asked, and its changed pods


def changed_pods(before, after) -> tuple:
    """(name, pod before, pod after) for each pod present in both states whose object differs, in the order of
    `after.pods`. Remembered for the last pair of `pods` maps asked (the engines check the TRANSITION rules of
    one step in a row); the entry keeps both maps."""
    old, new = before.pods, after.pods
    last = _LAST_STEP
    if last[1] is new and last[0] is old:
        return last[2]
    found: tuple = ()
    if old is not new:
        get = old.get
        for name, pod in new.items():
            prev = get(name)
            if prev is not pod and prev is not None:
                found += ((name, prev, pod),)
    last[0], last[1], last[2] = old, new, found
    return found


def for_events(*names: str, prefix: str | None = None) -> Callable[[Callable], Callable]:
    """A TRANSITION predicate that speaks only of events whose class is named in `names` (or whose name starts
    with `prefix`): any other step is answered `()` at once. The test is the one the rules make of the event,
    its class's name, made before any generator is built or the cluster read."""
    wanted = frozenset(names)

    def wrap(fn: Callable) -> Callable:
        if prefix is None:
            def check(before, event, after):
                if type(event).__name__ not in wanted:
                    return ()
                return fn(before, event, after)
        else:
            def check(before, event, after):
                name = type(event).__name__
                if name not in wanted and not name.startswith(prefix):
                    return ()
                return fn(before, event, after)
        check = functools.update_wrapper(check, fn)
        check.speaks_of = lambda event_name: event_name in wanted or (  # type: ignore[attr-defined]
            prefix is not None and event_name.startswith(prefix))
        return check

    return wrap
