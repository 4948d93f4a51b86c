"""Content storage: file bytes kept in Software Heritage's ``swh.objstorage``."""
