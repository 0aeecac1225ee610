"""Options the commands share."""

from __future__ import annotations

import click

from kmodel import parts
from kmodel.scheduler import profiles


class ProfileName(click.ParamType):
    """A registered scheduler profile: the built-in ones and those a `kmodel.parts` entry point registers (loaded
    first). An unknown name is a usage error (exit 2) listing the known ones."""

    name = "profile"

    def convert(self, value, param, ctx):
        parts.load()
        if value not in profiles.PROFILES:
            self.fail(f"unknown scheduler profile {value!r} (known: {', '.join(sorted(profiles.PROFILES))})", param,
                      ctx)
        return value


PROFILE = ProfileName()
