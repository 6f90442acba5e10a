"""Data only: site profiles and rubrics (YAML). Being a package lets them ship inside the wheel."""
