"""Attribution: which archived files a piece of code (a model's output) resembles.

``tokens`` (pygments lexers, normalised tokens with their lines) and ``winnowing``
(k-gram hashes with xxhash, winnowing, fingerprints with lines) are pure: no database,
web or task framework; ``fastlex`` (regex normaliser, the reference) and ``scanner``
(the same compiled with numba, what the index runs) are their fast path. ``matching``
turns the postings a query finds into ranked files with line ranges on both sides, also
pure. ``repository`` (the fingerprint index and
its stop-list in PostgreSQL), ``indexing`` (what a scan or the backfill writes),
``service``, ``routes``, ``gql`` and ``tasks`` are the rest of the feature.
"""
