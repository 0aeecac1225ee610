"""kmodel: a pure model of the Kubernetes control plane, and the engines that verify it.

Public API: `Cluster`, `Config`, `step`, `enabled`, `settle`, and `kmodel.labels.parse_selector`.
"""

from kmodel.cluster import Cluster, Config
from kmodel.errors import EventNotEnabled, KModelError
from kmodel.events import enabled, step
from kmodel.settle import SettleResult, settle

__all__ = ["Cluster", "Config", "EventNotEnabled", "KModelError", "SettleResult", "enabled", "settle", "step"]
__version__ = "0.1.0"
