"""The model's own parts: importing this module registers every built-in controller, event source, environment,
clock, fault group and tie hook (`kmodel.parts`). It is the one place that names them; each module registers its
own parts, with its place in the fair round and in `enabled`'s order, so the order of the imports below does not
matter. A user's parts are registered by their own modules (`kmodel.parts` entry points, or an import)."""

from kmodel import user  # noqa: F401
from kmodel.controllers import endpoints, garbage_collector, kubelet, node_lifecycle, proxy, replication  # noqa: F401
from kmodel.scheduler import scheduler  # noqa: F401
