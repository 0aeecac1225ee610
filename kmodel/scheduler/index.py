"""The scheduler's fast-path index, carried inside the Cluster state (DESIGN principle 1).

Protocol used by `kmodel.cluster`: `build(cluster)`, `on_pod(index, cluster_after, old, new)`,
`on_node(index, cluster_after, old, new)` and `equivalent(a, b)`. This first version keeps no extra structure:
the scheduler reads the per-node usage and per-owner counts the cluster already indexes.
"""

from __future__ import annotations


def build(cluster) -> object:
    return None


def on_pod(index, cluster, old, new) -> object:
    return index


def on_node(index, cluster, old, new) -> object:
    return index


def equivalent(a, b) -> bool:
    return a == b
