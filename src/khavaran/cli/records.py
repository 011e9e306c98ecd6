"""`person show`, `unit show`, `place show`, `event show`, `person protect`,
`person publish`, `person unpublish`, `place publish`, `place unpublish`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.render import echo_json, render_profile
from khavaran.cli.root import app

if TYPE_CHECKING:
    from khavaran.services import editing, profiles, publishing
else:
    editing = lazy_module("khavaran.services.editing")
    profiles = lazy_module("khavaran.services.profiles")
    publishing = lazy_module("khavaran.services.publishing")

INCLUDE = typer.Option("--include-protected",
                       help="Reveal protected people's identities (needs --as; recorded).")
JSON = typer.Option("--json", help="Print JSON instead of text.")


def _show(ctx: typer.Context, schema: str, record_id: str, include_protected: bool,
          as_json: bool) -> None:
    settings = settings_of(ctx)
    actor = settings.require_actor() if include_protected else None
    profile = profiles.show(registry_of(ctx), record_id, schema=schema,
                            include_protected=include_protected, actor=actor)
    if as_json:
        echo_json(profile)
    else:
        typer.echo("\n".join(render_profile(profile)))


def _group(name: str, schema: str, what: str) -> typer.Typer:
    group = typer.Typer(help=f"{what[0].upper()}{what[1:]}.", no_args_is_help=True)

    @group.command("show")
    def show(ctx: typer.Context, record_id: Annotated[str, typer.Argument(metavar="ID")],
             include_protected: Annotated[bool, INCLUDE] = False,
             as_json: Annotated[bool, JSON] = False) -> None:
        _show(ctx, schema, record_id, include_protected, as_json)

    show.__doc__ = (f"Show one {name} with every fact, its sources and status.\n\n"
                    f"Example: khavaran {name} show ID")
    app.add_typer(group, name=name)
    return group


person = _group("person", "Person", "people: victims, alleged perpetrators, witnesses, relatives")
_group("unit", "Unit", "organisations and units, such as a death commission")
place = _group("place", "Place", "places: prisons, cities, cemeteries, mass-grave sites")
_group("event", "Event", "events: arrests, hearings, executions, burials")


@person.command("protect")
def protect(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    pseudonym: Annotated[str, typer.Option(help="Name to show instead of theirs.")],
    reason: Annotated[str, typer.Option(help="Why (kept in history).")],
) -> None:
    """Mark a witness or relative at risk as protected.

    Example: khavaran --as ana person protect p-123 --pseudonym "Witness W-7" --reason "at risk"
    """
    actor = settings_of(ctx).require_actor()
    editing.protect(registry_of(ctx), person_id, pseudonym=pseudonym, actor=actor,
                    reason=reason)
    typer.echo(f"{person_id} is protected; outputs show '{pseudonym}'")


@person.command("publish")
def publish(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why (kept in history).")],
) -> None:
    """Show a person on the public memorial (`khavaran serve --public`): their
    facts that are not sensitive, with their sources.  Refused for a protected person.

    Example: khavaran --as ana person publish v-123 --reason "reviewed with the family"
    """
    actor = settings_of(ctx).require_actor()
    changed = publishing.publish(registry_of(ctx), person_id, actor=actor, reason=reason)
    typer.echo(f"{person_id} is published" if changed else f"{person_id} was already published")


@person.command("unpublish")
def unpublish(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why (kept in history).")],
) -> None:
    """Take a person off the public memorial, from the next request on.

    Example: khavaran --as ana person unpublish v-123 --reason "the family asked"
    """
    actor = settings_of(ctx).require_actor()
    changed = publishing.unpublish(registry_of(ctx), person_id, actor=actor, reason=reason)
    typer.echo(f"{person_id} is no longer published" if changed
               else f"{person_id} was not published")


@place.command("publish")
def publish_place(
    ctx: typer.Context,
    place_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why (kept in history).")],
) -> None:
    """Show a place on the public memorial's map, with the sources of its coordinates.

    Example: khavaran --as ana place publish pl-123 --reason "the site is known"
    """
    actor = settings_of(ctx).require_actor()
    changed = publishing.publish_place(registry_of(ctx), place_id, actor=actor, reason=reason)
    typer.echo(f"{place_id} is on the public map" if changed
               else f"{place_id} was already on the public map")


@place.command("unpublish")
def unpublish_place(
    ctx: typer.Context,
    place_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why (kept in history).")],
) -> None:
    """Take a place off the public memorial's map, from the next request on.

    Example: khavaran --as ana place unpublish pl-123 --reason "not yet confirmed"
    """
    actor = settings_of(ctx).require_actor()
    changed = publishing.unpublish_place(registry_of(ctx), place_id, actor=actor,
                                         reason=reason)
    typer.echo(f"{place_id} is no longer on the public map" if changed
               else f"{place_id} was not on the public map")
