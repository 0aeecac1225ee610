"""The built-in rules, one module per topic. Importing a module registers its rules."""
