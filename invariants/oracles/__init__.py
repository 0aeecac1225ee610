"""Independent oracles: upstream's rules restated plainly, with no code shared with the model they check."""
