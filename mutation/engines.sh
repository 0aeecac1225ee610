#!/usr/bin/env bash
# The mutation harness's test command: kmodel's engines only (see engines.py for the commands and exit codes:
# 0 survived, 1 violation, 2 crash, 3 newly inconclusive). KMODEL names the kmodel executable to drive (the
# mutation clone's), PYTHON the interpreter that runs engines.py (default: python3).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "${PYTHON:-python3}" "$here/engines.py" "$@"
