"""`python -m kmodel`: the `kmodel` command."""

from kmodel.cli import main

main()
