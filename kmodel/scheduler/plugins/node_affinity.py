"""NodeAffinity, nodeSelector part (SEMANTICS 55.6): every `key: value` of the pod's nodeSelector must be a
label of the node with that exact value. Required node affinity terms are not modelled (pods carry none)."""

from __future__ import annotations

from kmodel.logic import Bool, all_of, eq
from kmodel.scheduler.framework import FilterPlugin

NAME = "NodeAffinity"
REASON = "node(s) didn't match Pod's node affinity/selector"  # ErrReasonPod


def selector_matches(node_selector, node_labels) -> Bool:
    """`labels.SelectorFromSet(pod.Spec.NodeSelector).Matches(node.Labels)`: an equality term per key."""
    return all_of(*(eq(node_labels.get(k), v) for k, v in node_selector.items()))


def fits(pod, node, cluster) -> Bool:
    return selector_matches(pod.node_selector, node.labels)


def reasons(pod, node, cluster) -> tuple[str, ...]:
    return (REASON,)


def shape(pod) -> tuple:
    """What the filter reads of a pod: its nodeSelector, as sorted items."""
    return tuple(sorted(pod.node_selector.items())) if pod.node_selector else ()


def fits_fast(items: tuple, node, usage) -> bool:
    """`fits` in plain Python on the pod's `shape` (the engines' form)."""
    if items:
        labels = node.labels
        for k, v in items:
            if labels.get(k) != v:
                return False
    return True


PLUGIN = FilterPlugin(NAME, fits, reasons, fast=fits_fast, shape=shape)
