"""Scans: a git repository, directory, tarball or zip recorded as a visit of its
origin, with what is derived from each new file.

The path of a scan, file by file: ``routes.py`` (``POST /v1/scans``) queues the job
``scans.scan``; ``tasks.py`` runs it; ``service.py`` (:func:`~.service.run_scan`, also
the CLI's ``codecommons scan``) drives it batch by batch; ``reading/`` turns the
source into Software Heritage objects (no database); ``recording.py`` writes the
visit and its objects through ``writing.py`` (binary COPY, idempotent); for each
batch, ``analyzers.py`` runs the pure analysis of other features (``app.facts``,
``app.licenses.detection``, ``app.neardups.minhash``, ``app.codemeta``) and writes its
rows in the same transaction as the contents, so a content row never exists without
its analysis. ``report.py`` is ``codecommons scan --json``'s per-file report.
"""
