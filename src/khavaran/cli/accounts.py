"""`user add|list|disable|role|token|demo-code|revoke-token`, `access-log`, `serve` and
`worker`: administration of a team's accounts, the web server and its job worker."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.root import app
from khavaran.errors import ConfigError
from khavaran.model.access_actions import ACTIONS
from khavaran.model.roles import load_roles
from khavaran.settings import Settings, parse_size

if TYPE_CHECKING:
    from khavaran.services import access_log, accounts, jobs
    from khavaran.services.accounts import NewSecrets
    from khavaran.vault import keys
else:
    access_log = lazy_module("khavaran.services.access_log")
    accounts = lazy_module("khavaran.services.accounts")
    jobs = lazy_module("khavaran.services.jobs")
    keys = lazy_module("khavaran.vault.keys")

group = typer.Typer(help="Accounts of the team that uses the web app and API.",
                    no_args_is_help=True)
app.add_typer(group, name="user")
ROLES = ", ".join(load_roles())
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _hand_over(made: NewSecrets) -> None:
    if made.password:
        typer.echo(f"password (shown once): {made.password}")
    if made.totp_secret:
        typer.echo(f"TOTP secret (shown once): {made.totp_secret}")
        typer.echo(f"  for an authenticator app: {made.totp_uri}")
        typer.echo("recovery codes (each works once; shown once):")
        for code in made.recovery_codes:
            typer.echo(f"  {code}")


@group.command("add")
def add(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")],
        role: Annotated[str, typer.Option(help=f"One of: {ROLES}.")],
        generate: Annotated[bool, typer.Option(
            "--generate", help="Generate the password instead of asking for it.")] = False,
        ) -> None:
    """Create an account.  The password is asked for (twice) or, with
    --generate or when left empty, generated and printed once.  Roles that may
    reveal protected identities get a TOTP secret and recovery codes.

    Example: khavaran --as admin user add ana --role investigator
    """
    actor = settings_of(ctx).require_actor()
    password = None
    if not generate:
        password = typer.prompt("password (empty: generate one)", default="",
                                hide_input=True, confirmation_prompt=True,
                                show_default=False) or None
    made = accounts.add_account(registry_of(ctx), name, role, actor=actor, password=password)
    typer.echo(f"account {made.name} added with role {made.role}")
    _hand_over(made)


@group.command("list")
def list_(ctx: typer.Context) -> None:
    """List the accounts: role, second factor, active tokens.

    Example: khavaran user list
    """
    for a in accounts.list_accounts(registry_of(ctx)):
        state = "disabled" if a.disabled else "active"
        typer.echo(f"{a.name:<24} {a.role:<13} {state:<9} "
                   f"{'2FA' if a.second_factor else 'no 2FA':<7} {a.active_tokens} token(s)")


@group.command("disable")
def disable(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Disable an account: its sessions end and its tokens stop working.

    Example: khavaran --as admin user disable ana
    """
    accounts.disable(registry_of(ctx), name, actor=settings_of(ctx).require_actor())
    typer.echo(f"account {name} disabled")


@group.command("role")
def role(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")],
         new_role: Annotated[str, typer.Argument(metavar="ROLE", help=f"One of: {ROLES}.")]
         ) -> None:
    """Change an account's role; its sessions end.

    Example: khavaran --as admin user role ana viewer
    """
    made = accounts.set_role(registry_of(ctx), name, new_role,
                             actor=settings_of(ctx).require_actor())
    typer.echo(f"account {name} now has role {made.role}")
    _hand_over(made)


@group.command("token")
def token(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Print a new API token for NAME, alone on standard output (shown once;
    send it as 'Authorization: Bearer TOKEN').

    Example: khavaran --as admin user token ana > ana.token
    """
    typer.echo(accounts.issue_token(registry_of(ctx), name,
                                    actor=settings_of(ctx).require_actor()))


@group.command("demo-code")
def demo_code(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Print the current sign-in code of a demo account (from demo-accounts.txt),
    for trying the web app without an authenticator app.

    Example: khavaran user demo-code demo-investigator
    """
    typer.echo(accounts.demo_code(settings_of(ctx).home, name))


@group.command("revoke-token")
def revoke_token(ctx: typer.Context, token_id: Annotated[str, typer.Argument(
        metavar="TOKEN", help="The token, or its id (the part before the dot).")]) -> None:
    """Revoke an API token at once.

    Example: khavaran --as admin user revoke-token tk-3f9a1c0b7d2e
    """
    done = accounts.revoke_token(registry_of(ctx), token_id,
                                 actor=settings_of(ctx).require_actor())
    typer.echo(f"token {done} revoked")


@app.command("access-log")
def access_log_(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option(help="Only this account or name.")] = None,
    action: Annotated[str | None, typer.Option(
        help=f"Only one action: {', '.join(sorted(ACTIONS))}.")] = None,
    target: Annotated[str | None, typer.Option(help="Only this record, account or token."
                                               )] = None,
    since: Annotated[dt.datetime | None, typer.Option(help="From this time (UTC).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most N entries.")] = 100,
) -> None:
    """Show the access log, newest first: sign-ins, views of protected records,
    reveals, exports, refusals, account changes.  It never expires.

    Example: khavaran access-log --action reveal
    """
    when = since.replace(tzinfo=dt.UTC) if since and since.tzinfo is None else since
    page = access_log.read_log(registry_of(ctx), actor=actor, action=action, target=target,
                               since=when, limit=limit)
    for e in page.entries:
        typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor}  {e.action}  {e.outcome}  "
                   f"{e.target or '-'}  {e.via}{' ' + e.client if e.client else ''}"
                   f"{'  (' + e.reason + ')' if e.reason else ''}")
    typer.echo(f"{len(page.entries)} of {page.total} entries", err=True)


def _unlock_for_serving(settings: Settings, workers: int) -> None:
    """Unlock a protected installation once, before serving: a worker cannot ask
    at the terminal, and a wrong passphrase is better refused now."""
    if settings.passphrase_file is not None:
        keys.unlock(settings)  # refused here rather than by each worker
        os.environ["KHAVARAN_PASSPHRASE_FILE"] = str(settings.passphrase_file.absolute())
    elif workers > 1:
        raise ConfigError(f"the installation at {settings.home} is protected by a passphrase: "
                          "several workers each unlock it, so name a file holding it with "
                          "KHAVARAN_PASSPHRASE_FILE")
    else:
        keys.unlock(settings)  # typed once; the one worker runs in this process


@app.command()
def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int | None, typer.Option(
              min=1, max=65535, help="Port to listen on [default: 8000; 8001 with "
                                     "--public].")] = None,
          workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
          max_upload: Annotated[str | None, typer.Option(
              help="Largest file the import page accepts, e.g. 200MB or 2GB "
                   "[env: KHAVARAN_MAX_UPLOAD; default 200MB].")] = None,
          public: Annotated[bool, typer.Option(
              "--public", help="Serve the public memorial instead: published persons "
                               "only, read-only, no sign-in, no API.")] = False) -> None:
    """Serve the web app (pages and JSON API) on the data home, or with --public
    the public memorial, a separate read-only site.  TLS belongs in a reverse proxy.

    Example: khavaran serve --port 8000; khavaran serve --public --port 8001
    """
    import uvicorn

    settings = settings_of(ctx)
    registry_of(ctx)  # a missing or old registry is reported here, not by each worker
    if host not in LOOPBACK:
        typer.echo(f"warning: listening on {host}, beyond this machine: put a reverse proxy "
                   "with TLS in front (sessions and tokens must never cross a network in "
                   "clear)", err=True)
    os.environ["KHAVARAN_HOME"] = str(settings.home)
    os.environ["KHAVARAN_DB"] = settings.db_url
    # The workers read their settings from the environment: a --vault given here
    # must reach them, or uploads would go to another vault than the command's.
    for name, value in (("KHAVARAN_VAULT", settings.vault),
                        ("KHAVARAN_S3_ENDPOINT", settings.s3_endpoint)):
        if value:
            os.environ[name] = value
    if keys.is_protected(settings.home):
        _unlock_for_serving(settings, workers)
    if max_upload is not None:
        parse_size(max_upload, "--max-upload")  # refused here, not by each worker
        os.environ["KHAVARAN_MAX_UPLOAD"] = max_upload
    port = port or (8001 if public else 8000)
    if public:
        sys.stderr.write(f"Khavaran: serving the public memorial of {settings.home}\n"
                         f"  open http://{host}:{port}/ in a browser; Ctrl-C stops it\n")
        uvicorn.run("khavaran.web.public_app:from_environment", factory=True, host=host,
                    port=port, workers=workers, access_log=False, server_header=False,
                    proxy_headers=True)
        return
    sys.stderr.write(f"Khavaran: serving {settings.home}\n"
                     f"  open http://{host}:{port}/ in a browser "
                     f"(the JSON API is under /api/v1/); Ctrl-C stops it\n")
    demo = settings.home / "demo-accounts.txt"
    if demo.exists():
        sys.stderr.write(f"  demo accounts (name, role, password, TOTP secret): {demo}\n"
                         f"  a sign-in code for one: khavaran user demo-code NAME\n")
    # The background jobs (a dossier built from a case's page) run in a worker
    # process of their own, stopped with the server.
    job_worker = subprocess.Popen([sys.executable, "-m", "khavaran", "worker", "--parent",
                                   str(os.getpid())], env=os.environ.copy())
    # uvicorn raises SIGTERM again once it has shut down: as KeyboardInterrupt, so that
    # the worker is stopped below rather than left behind.
    signal.signal(signal.SIGTERM, _stop_on_term)
    try:
        # No access log: a query string may hold a name someone searched for.
        uvicorn.run("khavaran.web.app:from_environment", factory=True, host=host, port=port,
                    workers=workers, access_log=False, server_header=False,
                    proxy_headers=True)
    except KeyboardInterrupt:
        pass
    finally:
        job_worker.terminate()
        try:
            job_worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            job_worker.kill()


def _stop_on_term(_signum: int, _frame: object) -> None:
    # SIGTERM (a service manager, `khavaran serve` stopping) ends the worker as
    # Ctrl-C does: the running job is written as interrupted, its staging removed.
    raise KeyboardInterrupt


def _watch_parent(pid: int, stop: threading.Event) -> None:
    """Stop the worker (after its current job) once the server that started it is
    gone, however it went (a SIGKILL gives the server no time to stop it)."""
    while not stop.wait(1.0):
        if os.getppid() != pid:
            stop.set()


@app.command()
def worker(ctx: typer.Context,
           once: Annotated[bool, typer.Option(
               "--once", help="Run the jobs queued now, then stop.")] = False,
           parent: Annotated[int | None, typer.Option(
               hidden=True, help="Stop when this process (khavaran serve) is gone.")] = None
           ) -> None:
    """Run background jobs (dossier builds, checks, OCR and text, matching, started in
    the web app) until Ctrl-C.

    `khavaran serve` starts one worker itself; run this for another, or on other
    machines sharing a PostgreSQL registry (there the queue is procrastinate's, and each
    job goes to one worker).  A job whose worker was stopped shows as interrupted and
    can be run again from its page.

    Example: khavaran worker; khavaran worker --once
    """
    registry = registry_of(ctx)
    signal.signal(signal.SIGTERM, _stop_on_term)
    if not once:
        sys.stderr.write(f"Khavaran: job worker on {settings_of(ctx).home}; Ctrl-C stops it\n")
    stop = threading.Event()
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent, stop), daemon=True).start()
    try:
        ran = jobs.work(registry, stop=stop, once=once)
    except KeyboardInterrupt:
        return
    if once:
        typer.echo(f"{ran} job(s) run")
