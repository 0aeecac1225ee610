"""One pure module per scheduler plugin (the upstream framework's one-folder-per-plugin, DESIGN "Models to learn
from"): each exposes its decision functions and a `PLUGIN` value for the profiles."""
