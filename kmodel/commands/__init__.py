"""The subcommands of `kmodel`, one module each."""
