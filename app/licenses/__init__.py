"""Licenses: the catalog, findings and their APIs, detection in files
(:mod:`.detection`) and the SPDX normalisation of declared licenses (:mod:`.spdx`)."""
