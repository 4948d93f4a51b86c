"""The archive side: visits, snapshots, revisions, directories, contents, occurrences."""
