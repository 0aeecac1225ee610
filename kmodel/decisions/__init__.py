"""The controllers' Kubernetes rules as pure decisions on API objects (the layer below the state): one module per
controller topic, each read by its controller (`kmodel/controllers/`) and by the state's indexes
(`kmodel/cluster.py`), so a rule is written once. The scheduler's decisions are its plugins
(`kmodel/scheduler/plugins/`), in the same layer."""
