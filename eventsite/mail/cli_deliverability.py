"""`flask mail bounces PATH...`: mark the addresses that bounced for good;
`flask mail dkim-keygen`: a DKIM key pair and the DNS record to publish."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from .bounce_imap import ImapError, ImapSettings, process_bounce_imap
from .bounces import process_paths
from .signing import dns_record, generate_key_pair


@click.command("bounces")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--imap", is_flag=True, help="Also read the MAIL_BOUNCE_IMAP_* mailbox.")
def bounces_command(paths: tuple[Path, ...], imap: bool) -> None:
    """Read bounce messages from files, Maildirs, mboxes (PATHS) or the IMAP bounce mailbox
    (--imap) and mark hard-bounced addresses undeliverable."""
    if not paths and not imap:
        raise click.UsageError("give one or more PATHS, or --imap")
    read, marked = process_paths(list(paths))
    if imap:
        settings = ImapSettings.from_config(current_app.config)
        if settings is None:
            raise click.ClickException("--imap: set MAIL_BOUNCE_IMAP_HOST (see README)")
        try:
            imap_read, imap_marked = process_bounce_imap(settings)
        except ImapError as error:
            raise click.ClickException(
                f"the IMAP bounce mailbox cannot be read: {error}"
            ) from error
        read, marked = read + imap_read, marked + imap_marked
    click.echo(f"read {read} messages, marked {len(marked)} addresses undeliverable")
    for address in marked:
        click.echo(f"  undeliverable: {address}")


@click.command("dkim-keygen")
@click.option("--selector", required=True, help="The DKIM selector, e.g. 'jaarevent2027'.")
@click.option("--domain", required=True, help="The From domain, e.g. 'smartindustry.nl'.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def dkim_keygen_command(selector: str, domain: str, out: Path) -> None:
    """Write an RSA 2048 private key (PEM) to OUT and print the DNS TXT record to publish."""
    if out.exists():
        raise click.ClickException(f"{out} exists; not overwriting a key")
    value = generate_key_pair(out)
    click.echo(f"private key written to {out}; set MAIL_DKIM_PRIVATE_KEY={out}")
    click.echo(f"MAIL_DKIM_SELECTOR={selector} MAIL_DKIM_DOMAIN={domain}")
    click.echo("publish this DNS record:")
    click.echo(dns_record(selector, domain, value))
