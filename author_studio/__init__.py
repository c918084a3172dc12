"""Author Studio: a writers' room for branching shows."""

__version__ = "0.1.0"
