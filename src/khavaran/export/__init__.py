"""Dossiers: BagIt bags of a case that a court can verify without Khavaran."""
