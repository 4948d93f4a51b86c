"""Intrinsic project metadata: what a snapshot's own files (CITATION.cff,
codemeta.json, .zenodo.json, package manifests) say about the project, merged into one
CodeMeta record (:mod:`.readers`) and rendered as codemeta.json, BibTeX and
CITATION.cff (:mod:`.citation`)."""
