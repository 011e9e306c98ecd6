"""`khavaran overview` counts persons, merged ones once, and list records apart."""

from __future__ import annotations


def _line(output: str, start: str) -> str:
    return next(line.strip() for line in output.splitlines() if line.strip().startswith(start))


def test_victims_are_persons_and_merges_count_once(demo_cli) -> None:
    before = demo_cli("overview", user=None).output
    assert _line(before, "victims:") == (
        "victims: 520 persons (no duplicates merged yet: khavaran dedupe lists likely ones)")
    assert _line(before, "list records:").startswith("list records: 500 (")
    done = demo_cli("dedupe", "judge", "demo-list-a:A0143", "demo-list-c:C0001", "same",
                    "--yes")
    assert done.exit_code == 0, done.output
    after = demo_cli("overview", user=None).output
    assert _line(after, "victims:") == (
        "victims: 519 persons (520 records, 1 merged as duplicates)")
    assert _line(after, "list records:").startswith("list records: 500 (")


def test_an_empty_registry_says_no_victims(cli) -> None:
    out = cli("overview", user=None).output
    assert _line(out, "victims:") == "victims: 0 persons"
