"""`microquest lrs`: microquest's own xAPI 1.0.3 LRS (`serve`) and its named clients (`client add|list|revoke`)."""

from __future__ import annotations

import base64

import click

from .reporting import database_option, fail, reported

DATABASE_VARIABLE = "MICROQUEST_LRS_DATABASE"
DATABASE_OPTION = database_option(DATABASE_VARIABLE, "statements, documents and clients")


@click.group(name="lrs")
def lrs_group() -> None:
    """microquest's own LRS (xAPI 1.0.3: statements, State, Activity and Agent Profiles) on SQLite or PostgreSQL.

    Example:

        microquest lrs client add moodle --database sqlite:///lrs.db
        microquest lrs serve --database sqlite:///lrs.db --port 8300
    """


@lrs_group.command(name="serve")
@DATABASE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8300, show_default=True, help="Port (0: any free port).")
@click.option(
    "--public-url",
    help="The LRS's address as clients reach it, e.g. https://lrs.example.si/ behind a reverse proxy: its host "
    "is the only one answered, and it is the homePage of the statements' authority.",
)
def serve_command(database: str | None, host: str, port: int, public_url: str | None) -> None:
    """Serve the LRS until Ctrl+C or SIGTERM.

    Without --database it is a trial: everything is in memory, and one throwaway client
    is made and printed. With a database, the data and the clients stay; make a client
    with `microquest lrs client add NAME`.

    Example:

        microquest lrs serve --database sqlite:///lrs.db --port 8300
    """
    from urllib.parse import urlsplit

    from xapi.lrs.app import LOCAL_HOSTS
    from xapi.lrs.client import AUTH_VARIABLE, ENDPOINT_VARIABLE, LrsError
    from xapi.lrs.clients import ClientRegistry
    from xapi.lrs.local import ENDPOINT_PATH, listening_socket, open_store, serve

    with reported("no LRS is running", LrsError):
        listening = listening_socket(host, port)
        bound = listening.getsockname()[1]
        origin = (public_url or f"http://{host}:{bound}").rstrip("/")
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            listening.close()
            fail(f"error: --public-url {public_url!r} is not an http(s) address; no LRS is running")
        try:
            store = open_store(database or "sqlite://")
        except BaseException:
            listening.close()
            raise
    registry = ClientRegistry(store, home_page=origin + "/")
    allowed = [parts.hostname] if public_url else list(LOCAL_HOSTS) + ([host] if host not in LOCAL_HOSTS else [])
    endpoint = origin + ENDPOINT_PATH
    click.echo(f"LRS at {endpoint} ({'kept in ' + _safe(database) if database else 'in memory: a trial'})")
    if not database:
        key, secret = registry.add("trial")
        auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        click.echo(f"Authorization: {auth}")
        click.echo("These credentials are throwaway: made for this run only. For `microquest award --lrs`:")
        click.echo(f"  export {ENDPOINT_VARIABLE}='{endpoint}' {AUTH_VARIABLE}='{auth}'")
    elif not store.clients():
        click.echo("No clients yet: make one with `microquest lrs client add NAME` (same --database).")
    click.echo("Ctrl+C stops.", nl=True)
    serve(store, registry, listening, allowed_hosts=allowed)
    click.echo("stopped")


@lrs_group.group(name="client")
def client_group() -> None:
    """The LRS's named clients: each a key and a secret (HTTP Basic), with scopes."""


@client_group.command(name="add")
@DATABASE_OPTION
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    default=("all",),
    show_default=True,
    help="What the client may do (xAPI scopes): all, all/read, statements/write, statements/read, state, profile.",
)
def client_add(database: str | None, name: str, scopes: tuple[str, ...]) -> None:
    """Make a client and print its Authorization value (once: only its hash is kept)."""
    registry = _registry(database)
    from xapi.lrs.store import StoreError

    with reported("no client was made", StoreError):
        key, secret = registry.add(name, scopes)
    click.echo(f"client {name} ({' '.join(scopes)})")
    click.echo("Authorization: Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii"))
    click.echo("Keep it now: the LRS keeps only its hash and cannot show it again.")


@client_group.command(name="list")
@DATABASE_OPTION
def client_list(database: str | None) -> None:
    """The clients: name, key, scopes, made, revoked (never a secret)."""
    registry = _registry(database)
    rows = registry.store.clients()
    if not rows:
        click.echo("no clients")
    for row in rows:
        state = f"revoked {row['revoked']}" if row["revoked"] else "active"
        click.echo(f"{row['name']}\tkey {row['key']}\t{row['scopes']}\tmade {row['created']}\t{state}")


@client_group.command(name="revoke")
@DATABASE_OPTION
@click.argument("name")
def client_revoke(database: str | None, name: str) -> None:
    """Revoke a client: its requests are refused from now on (within a minute on a running server)."""
    registry = _registry(database)
    if not registry.store.revoke_client(name):
        fail(f"error: no active client named {name!r}; nothing was changed")
    click.echo(f"client {name} revoked")


def _registry(database: str | None):  # noqa: ANN202
    from xapi.lrs.clients import ClientRegistry
    from xapi.lrs.local import LocalLrsError, open_store

    if not database:
        fail(f"error: say which database: --database URL or {DATABASE_VARIABLE}; nothing was changed")
    with reported("nothing was changed", LocalLrsError):
        store = open_store(database)
    # The home page only names the authority of statements, which the server sets.
    return ClientRegistry(store, home_page="")


def _safe(url: str) -> str:
    """The database URL without its password, for the console."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "the database"
