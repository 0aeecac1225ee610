"""The control plane's controllers, one module each, as pure reconcilers (DESIGN principle 3)."""
