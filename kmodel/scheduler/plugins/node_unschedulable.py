"""NodeUnschedulable (SEMANTICS 55.3): a cordoned node (`spec.unschedulable`) takes no new pods.

Upstream lets a pod through when it tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint; kmodel
pods carry no tolerations, so the filter is the node's flag alone.
"""

from __future__ import annotations

from kmodel.logic import Bool, not_
from kmodel.scheduler.framework import FilterPlugin

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"  # ErrReasonUnschedulable


def fits(pod, node, cluster) -> Bool:
    return not_(node.unschedulable)


def reasons(pod, node, cluster) -> tuple[str, ...]:
    return (REASON,)


def fits_fast(part, node, usage) -> bool:
    """`fits` in plain Python (the engines' form): it reads nothing of the pod."""
    return not node.unschedulable


PLUGIN = FilterPlugin(NAME, fits, reasons, fast=fits_fast)
