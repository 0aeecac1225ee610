"""Labels: the matcher the model uses agrees with the rules of SEMANTICS 15 to 19 on every selector and every
pod in every state. The oracle here is written from the rules, independently of `kmodel.labels`."""

from __future__ import annotations

from invariants.catalog.shared import per_pair
from invariants.registry import ALWAYS, SOMETIMES, Violation, invariant
from kmodel.memo import Memo


def _int64(value: str) -> int | None:
    if not value or not all(ch in "0123456789" for ch in value.lstrip("+-")) or value in ("+", "-"):
        return None
    n = int(value)
    return n if -2 ** 63 <= n < 2 ** 63 else None


def oracle_requirement(key: str, op: str, values: tuple[str, ...], labels) -> bool:
    """SEMANTICS 15 to 19, one operator at a time."""
    present = key in labels
    value = labels.get(key)
    if op in ("=", "==", "in"):
        return present and value in values  # 15
    if op in ("!=", "notin"):
        return not present or value not in values  # 16: an absent key matches
    if op == "exists":
        return present  # 17
    if op == "!":
        return not present  # 17
    if op in ("gt", "lt"):
        if not present or _int64(value) is None:
            return False  # 18: unlike !=, an absent key does not match
        bound = int(values[0])
        return _int64(value) > bound if op == "gt" else _int64(value) < bound
    raise ValueError(f"unknown operator {op!r}")


def oracle_matches(selector, labels) -> bool:
    if selector.is_nothing:
        return False
    return all(oracle_requirement(r.key, r.operator, r.values, labels) for r in selector.requirements)


_ORACLE_MEMO = Memo("rules-selector-oracle", 4_096)


def oracle_memo(selector, labels) -> bool:
    """`oracle_matches`, remembered per (selector, labels) pair of objects: the oracle is a pure function of both,
    and successive states share these immutable objects, so a state repeats most of its predecessor's pairs.
    (`shared.per_pair`)."""
    return per_pair(_ORACLE_MEMO, selector, labels, oracle_matches)


def _has_negative_requirement(cluster) -> bool:
    return any(r.operator in ("!=", "notin") for _, s in _selectors(cluster) for r in s.requirements)


def _selectors(cluster):
    return _selectors_of(cluster.controllers, cluster.services)


def _selectors_of(controllers, services) -> tuple:
    """(owner, selector) of every controller and of every Service with a selector."""
    found = [(key, ctl.label_selector) for key, ctl in controllers.items()]
    found.extend((f"Service/{name}", svc.label_selector) for name, svc in services.items()
                 if svc.label_selector is not None)
    return tuple(found)


_SELECTOR_LISTS = Memo("rules-selector-lists", 1_024)


def _selector_list(cluster) -> tuple:
    """`_selectors(cluster)` as a tuple, remembered per pair of `controllers` and `services` maps: each selector
    is a function of its object's spec, and most steps write neither map (`shared.per_pair`)."""
    return per_pair(_SELECTOR_LISTS, cluster.controllers, cluster.services, _selectors_of)


_AGREEMENT = Memo("rules-selector-agreement", 4_096)


def _agree(selectors: tuple, labels) -> bool:
    """Whether each selector's matcher answers `labels` as the oracle does. Remembered per (selector list, labels)
    pair of objects: the verdict is a pure function of the selectors and the labels (`shared.per_pair`; a matcher
    swapped with `kmodel.memo.swapped` clears it)."""
    return per_pair(_AGREEMENT, selectors, labels, lambda selectors_, labels_: all(
        sel.matches(labels_) == oracle_memo(sel, labels_) for _, sel in selectors_))


def _disagreements(cluster):
    """The violations of `selector-semantics`: each (selector, pod) pair the matcher answers against the rules."""
    distinct = {id(pod.labels): pod.labels for pod in cluster.pods.values()}
    for owner, sel in _selectors(cluster):
        for labels in distinct.values():
            got, want = sel.matches(labels), oracle_memo(sel, labels)
            if got == want:
                continue
            for pod in cluster.pods.values():
                if pod.labels is labels:
                    yield Violation("selector-semantics", f"{owner} selector {sel} {'matches' if got else 'misses'} "
                                    f"pod {pod.name} with labels {dict(pod.labels)}, but the rules say "
                                    f"{'match' if want else 'no match'}", (owner, f"Pod/{pod.name}"))


@invariant("selector-semantics", kind=ALWAYS, rules=("15", "16", "17", "18", "19"), witness="sometimes-absent-key")
def selector_semantics(cluster):
    """Every selector in the cluster matches every pod exactly as SEMANTICS 15 to 19 say."""
    # A pair's verdict is remembered (`_agree`), so a state asks the matcher only of the pairs it does not share
    # with a state seen before; pods stamped from one template share their labels object, so one lookup answers
    # for all of them. The violations themselves come from the plain loop, in its order.
    selectors = _selector_list(cluster)
    memo, listed = _AGREEMENT, id(selectors)
    for pod in cluster.pods.values():
        labels = pod.labels
        hit = memo.get((listed, id(labels)))  # `_agree`'s own lookup, inlined: this loop runs for every state
        if hit is not None and hit[0] is selectors and hit[1] is labels:
            agree = hit[3]
        else:
            agree = _agree(selectors, labels)
        if not agree:
            return _disagreements(cluster)
    return ()


@invariant("sometimes-absent-key", kind=SOMETIMES, applies=_has_negative_requirement)
def absent_key(cluster):
    """Some pod lacks a key that a `!=`/`notin` requirement in the cluster names (SEMANTICS 16 is exercised)."""
    for _, sel in _selectors(cluster):
        for r in sel.requirements:
            if r.operator in ("!=", "notin") and any(r.key not in p.labels for p in cluster.pods.values()):
                return True
    return False
