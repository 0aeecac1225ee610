"""Options the commands share."""

from __future__ import annotations

import functools

import click

from kmodel import parts, schema
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


def validation_options(command):
    """`--validate strict|warn|off` and `--kubernetes-version X.Y`: the manifests the command reads are checked
    against that release's schema (`kmodel.schema`) while it runs. An unknown version is a usage error."""

    @click.option("--kubernetes-version", default=None, metavar="X.Y",
                  help="The Kubernetes release whose schema the manifests are validated against (default: the "
                       "newest installed with kubernetes-validate).")
    @click.option("--validate", "validate_mode", type=click.Choice(schema.MODES), default=schema.STRICT,
                  show_default=True,
                  help="Schema validation of the manifests, as kubectl's: strict refuses unknown fields and wrong "
                       "types (exit 2, FILE:LINE), warn reports them on stderr and goes on, off skips it.")
    @functools.wraps(command)
    def run(*args, validate_mode, kubernetes_version, **kwargs):
        if validate_mode != schema.OFF:
            try:
                schema.resolve_version(kubernetes_version)
            except schema.UnknownVersion as err:
                raise click.BadParameter(str(err), param_hint="--kubernetes-version") from None
        with schema.validation(validate_mode, kubernetes_version):
            return command(*args, **kwargs)

    return run


def echo_warnings(loaded) -> None:
    """The schema errors `--validate warn` kept, on stderr."""
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
