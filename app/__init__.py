"""CodeCommons: the open metadata service for code used by AI."""

__version__ = "0.1.0"
