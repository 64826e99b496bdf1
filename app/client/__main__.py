"""``python -m app.client``: the client commands alone (no server code is imported)."""

import typer

from app.client.cli import register

cli = typer.Typer(name="brigade-client", no_args_is_help=True, add_completion=False)
register(cli)

if __name__ == "__main__":
    cli()
