"""`source add`, `source show` and `person add`: records with generated ids,
the same as the web forms make (services/entry.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.records import person
from khavaran.cli.render import echo_json
from khavaran.cli.root import app

if TYPE_CHECKING:
    from khavaran.services import entry, reading
else:
    entry = lazy_module("khavaran.services.entry")
    reading = lazy_module("khavaran.services.reading")

REASON = typer.Option(help="Why (kept in history).")
group = typer.Typer(help="Sources: documents, lists, testimonies and reports cited by claims.",
                    no_args_is_help=True)
app.add_typer(group, name="source")


@group.command("add")
def source_add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="report, list, testimony, court_record, ... "
                                           "(docs/model.md).")],
    title: Annotated[str, typer.Option(help="Its title, as published.")],
    reliability: Annotated[str, typer.Option(help="Admiralty A-F (F: cannot be judged).")] = "F",
    author: Annotated[str | None, typer.Option(help="Who wrote it.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Who published it.")] = None,
    publisher_type: Annotated[str | None, typer.Option(
        help="un, ngo, court, government, media or party.")] = None,
    interested_party: Annotated[bool, typer.Option(
        "--interested-party", help="Published by a party to the conflict.")] = False,
    date: Annotated[str | None, typer.Option(help="When: 1367/05/06, 1988-07-28, Mordad 1367.")
                    ] = None,
    calendar: Annotated[str | None, typer.Option(help="For the date: jalali or gregorian.")
                        ] = None,
    language: Annotated[str | None, typer.Option(help="Language code: fa, en, ...")] = None,
    based_on: Annotated[list[str], typer.Option(help="Id of a source it draws on (repeatable).")
                        ] = [],  # noqa: B006
    url: Annotated[str | None, typer.Option(help="Where it can be found.")] = None,
    note: Annotated[str | None, typer.Option(help="Anything else worth knowing.")] = None,
    fictional: Annotated[bool, typer.Option("--fictional", help="Demo data, not real.")] = False,
    reason: Annotated[str | None, REASON] = None,
) -> None:
    """Add a source under a new id (printed), to cite in claims.

    Example: khavaran --as ana source add --kind report --title "Annual report" --reliability B
    """
    actor = settings_of(ctx).require_actor()
    form = entry.SourceForm(kind=kind, title=title, reliability=reliability, author=author,
                            publisher=publisher, publisher_type=publisher_type,
                            interested_party=interested_party, date=date,
                            date_calendar=calendar, language=language, based_on=based_on,
                            url=url, note=note, fictional=fictional)
    typer.echo(entry.create_source(registry_of(ctx), form, actor=actor, reason=reason))


@group.command("show")
def source_show(ctx: typer.Context,
                source_id: Annotated[str, typer.Argument(metavar="ID")],
                as_json: Annotated[bool, typer.Option("--json",
                                                      help="Print JSON instead of text.")]
                = False) -> None:
    """Show a source (a protected witness's testimony without what would name them).

    Example: khavaran source show s-abcd2345
    """
    shown = reading.source(registry_of(ctx), source_id)
    if as_json:
        echo_json(shown)
        return
    typer.echo(f"{shown['id']}  {shown['title']}" + ("  (fictional)" if shown["fictional"]
                                                     else ""))
    for key in ("kind", "reliability", "author", "publisher", "publisher_type", "date_shown",
                "language", "witness", "url", "note"):
        if shown[key]:
            typer.echo(f"  {key.removesuffix('_shown')}: {shown[key]}")
        if key == "date_shown" and shown["date"] and shown["date"] not in shown[key]:
            typer.echo(f"    as written: {shown['date']}")
    if shown["interested_party"]:
        typer.echo("  interested party: yes")
    if shown["based_on"]:
        typer.echo(f"  based on: {', '.join(shown['based_on'])}")


@person.command("add")
def person_add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Full name, as the source writes it.")
                    ] = None,
    source: Annotated[str | None, typer.Option(help="Source of the name (needed with --name).")
                      ] = None,
    locator: Annotated[str, typer.Option(help="Where in the source: page, paragraph, minute.")
                       ] = "",
    fictional: Annotated[bool, typer.Option("--fictional", help="Demo data, not real.")] = False,
    pseudonym: Annotated[str | None, typer.Option(
        help="Protect the person at once, shown under this name.")] = None,
    reason: Annotated[str | None, REASON] = None,
) -> None:
    """Add a person under a new id (printed); add their facts with `claim add`.

    Example: khavaran --as ana person add --name "Parviz Example" --source s-abcd2345 \\
        --locator "p. 4"
    """
    actor = settings_of(ctx).require_actor()
    form = entry.PersonForm(fictional=fictional, name=name, source=source, locator=locator,
                            protected=pseudonym is not None, pseudonym=pseudonym)
    typer.echo(entry.create_person(registry_of(ctx), form, actor=actor, reason=reason))
