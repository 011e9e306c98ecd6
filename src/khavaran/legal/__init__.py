"""Law as data: legal frameworks (elements of crimes, modes of liability) and
the assessment of a case's evidence against them."""
