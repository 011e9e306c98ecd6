"""`evidence ...` and `ledger ...`: the vault and its custody ledger."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.progress import VERIFY_STEPS, progress_bar
from khavaran.cli.render import echo_json
from khavaran.cli.root import app
from khavaran.errors import ConfigError
from khavaran.vault.derive import DERIVED_KINDS

if TYPE_CHECKING:
    from khavaran.services import (
        custody,
        evidence,
        ledger_io,
        redaction,
        text_search,
        verification,
    )
    from khavaran.services import purge as purging
    from khavaran.services import review as reviewing
    from khavaran.services.registry import Registry
    from khavaran.vault import keys, ledger, verify_ledger
else:
    custody = lazy_module("khavaran.services.custody")
    evidence = lazy_module("khavaran.services.evidence")
    ledger_io = lazy_module("khavaran.services.ledger_io")
    verification = lazy_module("khavaran.services.verification")
    purging = lazy_module("khavaran.services.purge")
    redaction = lazy_module("khavaran.services.redaction")
    text_search = lazy_module("khavaran.services.text_search")
    reviewing = lazy_module("khavaran.services.review")
    keys = lazy_module("khavaran.vault.keys")
    ledger = lazy_module("khavaran.vault.ledger")
    verify_ledger = lazy_module("khavaran.vault.verify_ledger")

group = typer.Typer(help="The evidence vault: untouched originals, working copies, custody.",
                    no_args_is_help=True)
ledger_group = typer.Typer(help="The custody ledger: export, timestamp, head.",
                           no_args_is_help=True)
app.add_typer(group, name="evidence")
app.add_typer(ledger_group, name="ledger")

ITEM = typer.Argument(metavar="ITEM", help="An evidence item id (ev-...), or its start if "
                      "only one item's id starts so (at least 4 digits after ev-).")
INCLUDE = typer.Option("--include-protected",
                       help="A protected witness's testimony (needs --as; recorded).")
LEDGER = " Kept in the ledger for ever, also after a purge: name no protected person."


def _item(ctx: typer.Context, ref: str,
          include_protected: bool = False) -> tuple[Registry, str]:
    """The registry, and the whole id of the item ``ref`` names (a prefix will do)."""
    registry = registry_of(ctx)
    return registry, custody.resolve_item(registry, ref, include_protected=include_protected)


@group.command("add")
def add(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...",
                                                help="Files or folders to take in.")],
    source: Annotated[str, typer.Option("--source", help="The registry source they belong to.")],
    collected_by: Annotated[str | None, typer.Option(help="Who collected them.")] = None,
    collected_at: Annotated[str | None, typer.Option(
        help="When they were collected (any calendar; see 'khavaran date').")] = None,
    collected_where: Annotated[str | None, typer.Option(help="Where they were collected.")]
    = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the intake.")] = None,
) -> None:
    """Take files or whole folders into the vault: hashed, stored untouched, on the ledger.

    Example: khavaran --as ana evidence add scans/ --source src-amnesty-1990
    """
    actor = settings_of(ctx).require_actor()
    done = evidence.add_evidence(registry_of(ctx), paths, source_id=source, actor=actor,
                                 collected_by=collected_by, collected_at=collected_at,
                                 collected_where=collected_where, note=note)
    for i in done:
        again = "  (already in the vault: intake recorded again)" if i.repeat else ""
        typer.echo(f"{i.item_id}  {i.media_type:<28} {i.size:>12,} bytes  {i.path}{again}")
    typer.echo(f"{len(done)} file(s) taken in")


@group.command("show")
def show(ctx: typer.Context, item_id: Annotated[str, ITEM],
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
         include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Show an item's record: hashes, media type, metadata, intakes, copies, links.

    Example: khavaran evidence show ev-5891b5b522d5df086d0ff0b110fbd9d2
    """
    registry, item_id = _item(ctx, item_id, include_protected)
    info = custody.item_info(registry, item_id, include_protected=include_protected,
                             actor=settings_of(ctx).actor)
    if as_json:
        echo_json(info)
        return
    it = info["item"]
    lines = [f"{it['id']}  ({it['role']})", f"  sha256      {it['sha256']}",
             f"  sha512      {it['sha512']}", f"  size        {it['size']:,} bytes",
             f"  media type  {it['media_type']}", f"  source      {it['source_id']}",
             f"  custodian   {info['custodian']}"]
    if info["purge"]:
        p = info["purge"]
        lines.append(f"  PURGED      {p['created_at']:%Y-%m-%d} by {p['created_by']}, approved "
                     f"by {p['approved_by']}: {p['reason']}")
    for m in info["metadata"]:
        mark = "  (sensitive)" if m["sensitive"] else ""
        lines.append(f"  {m['field']:<18} {m['value']}{mark}")
    for n, i in enumerate(info["intakes"], 1):
        what = "repeat intake" if i["repeat"] else "intake"
        lines.append(f"  {what} {n}: {i['created_at']:%Y-%m-%d %H:%M} by {i['created_by']}, "
                     f"file '{i['original_name']}' (sensitive)")
        for label, key in (("collected by", "collected_by"), ("collected at", "collected_shown"),
                           ("collected where", "collected_where"), ("note", "note")):
            if i[key]:
                lines.append(f"    {label:<16} {i[key]}")
            if key == "collected_shown" and i[key] and i["collected_text"] not in i[key]:
                lines.append(f"    {'as written':<16} {i['collected_text']}")
    for d in info["parents"]:
        lines.append(f"  {d['kind']} of {d['parent_id']} by {d['tool']}")
    for d in info["children"]:
        lines.append(f"  working copy {d['child_id']} ({d['kind']}, {d['tool']})")
    for link in info["links"]:
        lines.append(f"  evidence for claim {link['claim_id']} at {link['locator']}")
    typer.echo("\n".join(lines))


@group.command("derive")
def derive(
    ctx: typer.Context,
    item_id: Annotated[str, ITEM],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(DERIVED_KINDS)}.")],
    file: Annotated[Path | None, typer.Option(
        help="The working copy, made elsewhere. Leave out for --kind text (PDF text) or "
             "--kind ocr (Tesseract), which Khavaran makes itself.")] = None,
    tool: Annotated[str | None, typer.Option(
        help="The tool that made --file." + LEDGER)] = None,
    params: Annotated[str | None, typer.Option(
        help="Its parameters, as a JSON object." + LEDGER)]
    = None,
    lang: Annotated[str, typer.Option(help="Tesseract languages for --kind ocr.")]
    = "fas+eng",
    include_protected: Annotated[bool, INCLUDE] = False,
) -> None:
    """Store a working copy of an item (OCR, translation, redaction...) with its lineage.

    Example: khavaran --as ana evidence derive ev-1a2b... --kind ocr
    """
    actor = settings_of(ctx).require_actor()
    registry, item_id = _item(ctx, item_id, include_protected)
    made = evidence.derive(registry, item_id, kind=kind, actor=actor, file=file,
                           tool=tool, params=params, languages=lang,
                           include_protected=include_protected)
    typer.echo(f"{made.item_id}  {kind} of {item_id}  {made.size:,} bytes")


@group.command("redact")
def redact(
    ctx: typer.Context,
    item_id: Annotated[str, ITEM],
    box: Annotated[list[str] | None, typer.Option(
        help="For an image or PDF: a region to black out, [pPAGE:]LEFT,TOP,WIDTH,HEIGHT in "
             "percent of the page (p1 if no page is named). Repeat for more.")] = None,
    remove: Annotated[list[str] | None, typer.Option(
        help="For a text item: a passage to cut out wherever it occurs (Persian letter "
             "variants, marks and spacing are matched too). Repeat for more.")] = None,
    remove_file: Annotated[Path | None, typer.Option(
        help="A UTF-8 file of passages to cut out, one per line: keeps a protected "
             "name out of the shell's history.")] = None,
    include_protected: Annotated[bool, INCLUDE] = False,
) -> None:
    """Make a redacted working copy: boxes blacked out, or passages cut out.

    The copy never holds what was removed: a PDF is rebuilt from page images, so its
    text layer goes too. Its lineage records the boxes (or how often each passage was
    found, never its words) and who made it; review it for disclosure in place of the
    original with 'evidence review'.

    Example: khavaran --as ana evidence redact ev-1a2b... --box p1:10,20,30,5
    """
    actor = settings_of(ctx).require_actor()
    passages = list(remove or [])
    if remove_file is not None:
        try:
            passages += remove_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{remove_file}: cannot read the passages ({exc})") from None
    registry, item_id = _item(ctx, item_id, include_protected)
    made = redaction.redact(registry, item_id, actor=actor, boxes=box or [], passages=passages,
                            include_protected=include_protected)
    again = " (made before: nothing new stored)" if made.repeat else ""
    typer.echo(f"{made.item_id}  redaction of {item_id}  {made.media_type}  "
               f"{made.size:,} bytes{again}")


@group.command("search")
def search(ctx: typer.Context,
           words: Annotated[list[str], typer.Argument(help="Words the text must hold.")],
           limit: Annotated[int, typer.Option(help="At most this many texts (1-100).")] = 20,
           json_out: Annotated[bool, typer.Option("--json", help="JSON Lines.")] = False,
           ) -> None:
    """Search the vault's texts (statements, PDF text, OCR, translations) in either script.

    A text matches when it holds every word; Persian and Latin spellings find each
    other. Texts that name a protected person and a protected witness's testimony
    are never found.

    Example: khavaran evidence search Golzarabad commission
    """
    hits = text_search.search_texts(registry_of(ctx), " ".join(words), limit=limit)
    if json_out:
        for h in hits:
            echo_json({"item": h.item_id, "kind": h.kind, "media_type": h.media_type,
                       "source": h.source_id, "before": h.before, "found": h.found,
                       "after": h.after})
        return
    for h in hits:
        passage = " ".join(f"{h.before}[{h.found}]{h.after}".split())
        typer.echo(f"{h.item_id}  {h.kind}  {h.source_id}\n    {passage}")
    typer.echo(f"{len(hits)} text(s) found")


@group.command("lineage")
def lineage(ctx: typer.Context, item_id: Annotated[str, ITEM],
            include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Show the tree of originals and working copies an item belongs to.

    Example: khavaran evidence lineage ev-5891b5b522d5df086d0ff0b110fbd9d2
    """
    registry, item_id = _item(ctx, item_id, include_protected)
    lines: list[str] = []

    def walk(node: custody.Node, depth: int) -> None:
        tool = f" by {node.tool}" if node.tool else ""
        gone = "  PURGED" if node.purged else ""
        mark = "  <" if node.id == item_id else ""
        lines.append(f"{'    ' * depth}{node.id}  {node.kind}{tool}  {node.media_type}"
                     f"{gone}{mark}")
        for child in node.children:
            walk(child, depth + 1)

    for root in custody.lineage(registry, item_id, include_protected=include_protected,
                                actor=settings_of(ctx).actor):
        walk(root, 0)
    typer.echo("\n".join(lines))


@group.command("log")
def log(ctx: typer.Context, item_id: Annotated[str, ITEM],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Print an item's custody history from the ledger.

    Example: khavaran evidence log ev-5891b5b522d5df086d0ff0b110fbd9d2
    """
    registry, item_id = _item(ctx, item_id, include_protected)
    entries = custody.custody_log(registry, item_id,
                                  include_protected=include_protected,
                                  actor=settings_of(ctx).actor)
    if as_json:
        echo_json(entries)
        return
    for e in entries:
        typer.echo(f"#{e['seq']:<7} {e['at'][:19]}Z  {e['kind']:<10} {e['actor']:<16} "
                   f"{_describe(e['data'])}")


def _describe(data: dict[str, Any]) -> str:
    keep = ("from", "to", "reason", "kind", "tool", "parent", "child", "claim", "locator",
            "result", "approved_by", "purpose", "repeat", "source")
    return "  ".join(f"{k}={data[k]}" for k in keep if data.get(k) not in (None, False, ""))


@group.command("get")
def get(ctx: typer.Context, item_id: Annotated[str, ITEM],
        out: Annotated[Path, typer.Option("--out", help="Where to write the copy.")],
        purpose: Annotated[str | None, typer.Option(help="Why." + LEDGER)] = None,
        include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Download an exact copy of an item, checked against its hashes (on the ledger).

    Example: khavaran --as ana evidence get ITEM --out copy.pdf --purpose review
    """
    actor = settings_of(ctx).require_actor()
    registry, item_id = _item(ctx, item_id, include_protected)
    custody.download(registry, item_id, out, actor=actor, purpose=purpose,
                     include_protected=include_protected)
    typer.echo(f"{item_id} written to {out}")


@group.command("review")
def review(ctx: typer.Context, item_id: Annotated[str, ITEM],
           level: Annotated[str, typer.Option(
               "--level", help="The dossier level it may go into: public or prosecutor.")],
           reason: Annotated[str, typer.Option("--reason", help="Why it may be disclosed."
                                               + LEDGER)],
           include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Record that you reviewed an item for disclosure in dossiers at a level (on the ledger).

    At public and prosecutor level a dossier includes only reviewed exhibits. The
    automatic screen's flags are printed and recorded as seen by you.

    Example: khavaran --as ana evidence review ITEM --level public --reason "redacted, checked"
    """
    actor = settings_of(ctx).require_actor()
    registry, item_id = _item(ctx, item_id, include_protected)
    done = reviewing.review_item(registry, item_id, level=level, reason=reason,
                                 actor=actor, include_protected=include_protected)
    for flag in done.flags:
        typer.echo(f"  flagged: {flag}")
    typer.echo(f"{item_id} reviewed for {level} disclosure (ledger entry {done.seq})"
               + (f"; you were shown {len(done.flags)} flag(s)" if done.flags else ""))


@group.command("transfer")
def transfer(ctx: typer.Context, item_id: Annotated[str, ITEM],
             to: Annotated[str, typer.Option("--to", help="Who takes custody." + LEDGER)],
             reason: Annotated[str, typer.Option(help="Why." + LEDGER)],
             include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Record a transfer of custody of an item.

    Example: khavaran --as ana evidence transfer ITEM --to "Legal team"
    --reason "case review"
    """
    actor = settings_of(ctx).require_actor()
    registry, item_id = _item(ctx, item_id, include_protected)
    before = custody.transfer(registry, item_id, to=to, reason=reason, actor=actor,
                              include_protected=include_protected)
    typer.echo(f"custody of {item_id} passed from {before or 'nobody'} to {to}")


@group.command("link")
def link(ctx: typer.Context, item_id: Annotated[str, ITEM],
         claim: Annotated[str, typer.Option("--claim", help="The claim it supports.")],
         locator: Annotated[str, typer.Option(
             help="Where in the item: page, time, region." + LEDGER)],
         include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Record that an item is the evidence for a claim, at a locator.

    Example: khavaran --as ana evidence link ITEM --claim CLAIM --locator "p. 3"
    """
    actor = settings_of(ctx).require_actor()
    registry, item_id = _item(ctx, item_id, include_protected)
    custody.link_claim(registry, item_id, claim, locator=locator, actor=actor,
                       include_protected=include_protected)
    typer.echo(f"{item_id} ({locator}) linked to claim {claim}")


@group.command("verify")
def verify(
    ctx: typer.Context,
    item_id: Annotated[str | None, typer.Argument(metavar="[ITEM]")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Verify the whole vault.")] = False,
    include_protected: Annotated[bool, INCLUDE] = False,
) -> None:
    """Re-hash stored files, check both ledger chains, signatures and timestamps.

    Exits non-zero and names each failure if anything does not verify.

    Example: khavaran --as ana evidence verify --all
    """
    actor = settings_of(ctx).require_actor()
    if (item_id is None) == (not all_items):
        raise ConfigError("give an ITEM or --all")
    registry = registry_of(ctx)
    if item_id is not None:
        item_id = custody.resolve_item(registry, item_id, include_protected=include_protected)
    with progress_bar(VERIFY_STEPS) as progress:
        report = verification.verify(registry, None if all_items else item_id, actor=actor,
                                     include_protected=include_protected, progress=progress)
    for problem in report.problems:
        typer.echo(f"FAILED: {problem}")
    for note in report.notes:
        typer.echo(f"NOTE: {note}")
    typer.echo(f"{report.items} item(s), {report.blobs} file(s) re-hashed, {report.entries} "
               f"ledger entries, {report.signatures} signatures, {report.timestamps} "
               f"timestamp(s): " + ("all verified" if report.ok else
                                    f"{len(report.problems)} problem(s)"))
    if not report.ok:
        raise typer.Exit(1)


@group.command("purge")
def purge(ctx: typer.Context, item_id: Annotated[str, ITEM],
          reason: Annotated[str, typer.Option(
              help="Why: consent withdrawn, court order..." + LEDGER)],
          approved_by: Annotated[str, typer.Option(
              "--approved-by", help="The second person who approved it.")],
          include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Delete an item's file and its working copies, keeping a tombstone on the ledger.

    Example: khavaran --as ana evidence purge ITEM --reason "consent withdrawn"
    --approved-by "Bahar (director)"
    """
    actor = settings_of(ctx).require_actor()
    registry, item_id = _item(ctx, item_id, include_protected)
    gone = purging.purge(registry, item_id, reason=reason, approved_by=approved_by,
                         actor=actor, include_protected=include_protected)
    typer.echo(f"purged {len(gone)} item(s): {', '.join(gone)}")


@ledger_group.command("export")
def export(ctx: typer.Context,
           out: Annotated[Path | None, typer.Option(
               "--out", help="The JSON Lines file to write (default: standard output).")]
           = None,
           item: Annotated[str | None, typer.Option("--item", help="Only this item's entries.")]
           = None,
           include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Write the ledger (or one item's extract) for third-party verification.

    The whole ledger holds the custody of every item, a protected witness's
    testimony too: it needs --include-protected then (with --as; recorded).

    Example: khavaran ledger export --item ev-5891b5b522d5df086d0ff0b110fbd9d2 --out extract.jsonl
    """
    registry = registry_of(ctx)
    if item is not None:
        item = custody.resolve_item(registry, item, include_protected=include_protected)
    if out is None:
        try:
            ledger_io.print_extract(registry, sys.stdout, item_id=item,
                                    include_protected=include_protected,
                                    actor=settings_of(ctx).actor)
            sys.stdout.flush()
        except OSError as exc:
            raise ConfigError(f"cannot write to standard output: {exc.strerror}") from None
        return
    count = ledger_io.export_ledger(registry, out, item_id=item,
                                    include_protected=include_protected,
                                    actor=settings_of(ctx).actor)
    typer.echo(f"{count} entries written to {out}; verify with: python3 verify_ledger.py {out} "
               "--public-key KEY (khavaran ledger key prints KEY; khavaran ledger verifier "
               "--out DIR writes the script)")


@ledger_group.command("timestamp")
def timestamp(ctx: typer.Context,
              tsa: Annotated[str, typer.Option("--tsa", help="The TSA's URL (RFC 3161).")],
              ca: Annotated[Path | None, typer.Option(
                  "--ca", help="The TSA's CA certificate (PEM), kept to verify offline.")]
              = None) -> None:
    """Obtain an RFC 3161 timestamp over the current ledger head and store it.

    Example: khavaran --as ana ledger timestamp --tsa https://tsa.example.org --ca tsa-ca.pem
    """
    actor = settings_of(ctx).require_actor()
    try:
        ca_pem = ca.read_bytes() if ca else None
        if ca_pem is not None:
            from cryptography import x509

            x509.load_pem_x509_certificates(ca_pem)
    except OSError as exc:
        raise ConfigError(f"cannot read {ca}: {exc.strerror}") from None
    except ValueError:
        raise ConfigError(f"{ca} is not a PEM certificate (the TSA's CA)") from None
    seq, digest = ledger_io.timestamp_ledger(registry_of(ctx), tsa, actor=actor,
                                                ca_pem=ca_pem)
    typer.echo(f"entry {seq} ({digest}) timestamped by {tsa}")


@ledger_group.command("key")
def ledger_key(ctx: typer.Context) -> None:
    """Print this installation's ledger key: its id and the public key to publish.

    Give the public key to whoever must verify extracts (they pin it with
    verify_ledger.py --public-key), through a channel other than the extract.

    Example: khavaran ledger key
    """
    key = keys.load_key(settings_of(ctx))
    typer.echo(f"key id      {key.key_id}\npublic key  {key.public_hex}")


@ledger_group.command("trust")
def trust(ctx: typer.Context,
          public_key: Annotated[str, typer.Argument(metavar="KEY",
                                                    help="The other key, 64 hex digits.")],
          reason: Annotated[str, typer.Option(help="Why (kept in the ledger).")]) -> None:
    """Trust another installation's key (a team sharing one database): a signed entry.

    Example: khavaran --as ana ledger trust 3f1c... --reason "Berlin office laptop"
    """
    actor = settings_of(ctx).require_actor()
    kid = ledger_io.trust_key(registry_of(ctx), public_key, actor=actor, reason=reason)
    typer.echo(f"key {kid} is trusted from now on")


@ledger_group.command("head")
def ledger_head(ctx: typer.Context) -> None:
    """Print the newest ledger entry's number and hash.

    Example: khavaran ledger head
    """
    with registry_of(ctx).read() as conn:
        seq, digest = ledger.head(conn)
    typer.echo(f"{seq} {digest}")


@ledger_group.command("verifier")
def verifier(ctx: typer.Context,
             out: Annotated[Path, typer.Option("--out", help="Folder to write it to.")]) -> None:
    """Write the standalone verifier script (no Khavaran needed to run it).

    Example: khavaran ledger verifier --out for-the-court/
    """
    target = out / "verify_ledger.py"
    home = settings_of(ctx).home
    if out.resolve().is_relative_to(home.resolve()):
        raise ConfigError(f"{out} is inside the data home ({home}): write outside it")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {out}: {exc.strerror}") from None
    with evidence.new_file(target, home) as fh:
        fh.write(Path(verify_ledger.__file__).read_bytes())
    typer.echo(f"wrote {target}")


vault_group = typer.Typer(help="Where the vault keeps its files: move them, tidy them.",
                          no_args_is_help=True)
app.add_typer(vault_group, name="vault")


@vault_group.command("migrate")
def migrate_vault(
    ctx: typer.Context,
    to: Annotated[str, typer.Option(
        "--to", metavar="URL", help="s3://BUCKET/PREFIX (an existing bucket; the store's "
        "URL in KHAVARAN_S3_ENDPOINT) or disk (the folder vault in the data home).")],
) -> None:
    """Copy every file of the vault in use to another vault, each one checked; run it
    again to finish an interrupted one (files already there are checked and skipped).
    Nothing is removed from the vault in use, and nothing is switched: the command
    prints the setting to use from then on.  See docs/object-store.md.

    Example: khavaran vault migrate --to s3://evidence/khavaran
    Example: khavaran --vault s3://evidence/khavaran vault migrate --to disk
    """
    from khavaran.services.vault_migrate import migrate

    done = migrate(registry_of(ctx), to)
    typer.echo(f"{done.copied} files copied ({done.bytes_copied} bytes), {done.skipped} "
               f"already there and checked")
    typer.echo(f"to use that vault from now on: {done.setting}")


@vault_group.command("tidy")
def tidy_vault(
    ctx: typer.Context,
    older_than: Annotated[float, typer.Option(
        "--older-than", metavar="HOURS", min=1.0,
        help="Only uploads that began at least this long ago, by the database's clock "
        "(longer than any intake still running has been uploading).")] = 24.0,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List what would be removed; remove nothing.")] = False,
) -> None:
    """Remove from an object store the uploads of commands killed before they recorded
    them (`verify` lists each as "left by an upload ... never recorded").  Only objects
    the database saw an intake begin to upload, that no item holds, are removed; an
    object nobody asked for is left for you to look at.  See docs/object-store.md.

    Example: khavaran --as ana vault tidy --dry-run
    """
    from khavaran.services.vault_tidy import tidy

    actor = settings_of(ctx).require_actor()
    done = tidy(registry_of(ctx), actor=actor, older_than=dt.timedelta(hours=older_than),
                dry_run=dry_run)
    for where in done.removed:
        typer.echo(f"{'would remove' if dry_run else 'removed'}: {where}")
    for where in done.refused:
        typer.echo(f"kept, the store refused to delete it: {where}")
    for where in done.foreign:
        typer.echo(f"kept, it holds other bytes than its address says (look at it): {where}")
    typer.echo(f"{len(done.removed)} object(s) {'to remove' if dry_run else 'removed'}, "
               f"{done.cleared} finished upload(s) cleared, {done.young} begun less than "
               f"{older_than:g} hour(s) ago left for now")
