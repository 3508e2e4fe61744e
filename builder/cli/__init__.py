"""The `microquest` command: options in, library calls, messages out.

Commands are grouped by job: the content and its packages (content_commands), learners'
statements, the award and the credential files of the ledger (tracking_commands), the
signed credentials' keys, verification and revocations (credential_commands), the provider's identity
(issuer_commands). Every
failure goes through reporting.reported / fail.
"""

from __future__ import annotations

import click

from .. import __version__
from .content_commands import build_command, preview, validate
from .credential_commands import keys_group, revocations_command, verify_command
from .issuer_commands import issuer_group
from .tracking_commands import award_command, credentials_group, lrs_command, report_command


@click.group()
@click.version_option(__version__, prog_name="microquest")
def main() -> None:
    """Build the MICRO QUEST workshop curriculum into LMS packages."""


for command in (
    validate,
    build_command,
    preview,
    lrs_command,
    award_command,
    report_command,
    credentials_group,
    keys_group,
    issuer_group,
    verify_command,
    revocations_command,
):
    main.add_command(command)
