"""kmodel: a pure model of the Kubernetes control plane, and the engines that verify it.

Public API: `Cluster`, `Config`, `step`, `enabled`, `settle`, and `kmodel.labels.parse_selector`.
`COMPILED` says whether the model's modules run compiled (by Cython, from this very source: `setup.py`) or as
the pure-Python source.
"""

from importlib.machinery import EXTENSION_SUFFIXES as _EXTENSION_SUFFIXES

from kmodel import cluster as _cluster
from kmodel.cluster import Cluster, Config
from kmodel.errors import EventNotEnabled, KModelError
from kmodel.events import enabled, step
from kmodel.settle import SettleResult, settle

__all__ = ["COMPILED", "Cluster", "Config", "EventNotEnabled", "KModelError", "SettleResult", "enabled", "settle",
           "step"]
__version__ = "0.1.0"
COMPILED: bool = (_cluster.__file__ or "").endswith(tuple(_EXTENSION_SUFFIXES))
