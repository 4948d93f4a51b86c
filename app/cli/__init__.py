"""The ``codecommons`` command line."""
