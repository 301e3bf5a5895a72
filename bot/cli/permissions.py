"""``schoolwacht permissions``: print who may do what (the table README shows)."""

from __future__ import annotations

import typer


def permissions() -> None:
    """Print the permission table (role x action) as Markdown, computed from the code.

    Every cell is `core.permissions.may` asked for that role and action; README's table is this
    output (a test keeps them equal)."""
    from core.permissions import permission_table

    typer.echo(permission_table(), nl=False)
