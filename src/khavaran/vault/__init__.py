"""The evidence vault: originals, working copies, custody ledger."""
