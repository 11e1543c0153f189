"""`flask mail bounces PATH...`: mark the addresses that bounced for good;
`flask mail dkim-keygen`: a DKIM key pair and the DNS record to publish."""

from __future__ import annotations

from pathlib import Path

import click

from .bounces import process_paths
from .signing import dns_record, generate_key_pair


@click.command("bounces")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def bounces_command(paths: tuple[Path, ...]) -> None:
    """Read bounce messages from files, Maildirs or mboxes and mark hard-bounced addresses."""
    read, marked = process_paths(list(paths))
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
