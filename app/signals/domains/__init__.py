"""Application domains: a taxonomy from PyPI's Topic classifiers, assigned to origins
from declared evidence, with confidence."""
