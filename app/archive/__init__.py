"""Serving the archive: any SWHID resolved, contents by hash with their facts and
licenses, and the paged parts of archive objects (occurrences, directory entries,
snapshot branches). What writes the archive is a scan (:mod:`app.scans`)."""
