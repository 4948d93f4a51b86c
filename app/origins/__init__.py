"""Origins (repositories and packages): search, the detail view (:mod:`.detail`), and
every ``/v1/origins/...`` route (:mod:`.routes`), whichever feature answers it."""
