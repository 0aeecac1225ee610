"""The not-ready taint, as TaintToleration filters it (SEMANTICS 55.5).

The node lifecycle controller taints a node whose Ready condition is not True with
`node.kubernetes.io/not-ready:NoSchedule` (and `unreachable` when unknown). Pods get default tolerations only
for the NoExecute variants (DefaultTolerationSeconds), so the NoSchedule taint rejects every kmodel pod: the
model folds taint and condition into the node's `ready` flag (a crashed node is not Ready at once; the
controller's taint delay is not modelled).
"""

from __future__ import annotations

from kmodel.logic import Bool
from kmodel.scheduler.framework import FilterPlugin

NAME = "TaintToleration"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
REASON = f"node(s) had untolerated taint {{{NOT_READY_TAINT}: }}"  # ErrReasonNotMatch's format, empty value


def fits(pod, node, cluster) -> Bool:
    return node.ready


def reasons(pod, node, cluster) -> tuple[str, ...]:
    return (REASON,)


def fits_fast(part, node, usage) -> bool:
    """`fits` in plain Python (the engines' form): it reads nothing of the pod."""
    return node.ready


PLUGIN = FilterPlugin(NAME, fits, reasons, fast=fits_fast)
