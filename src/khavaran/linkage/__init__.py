"""Record linkage of victim lists, and estimates of the total from their overlap.

Nothing here knows of the registry's tables: ``khavaran link`` runs on CSV files
alone, and the registry's dedupe queue feeds the same comparison code with
records read from its source records.
"""
