"""Errors raised when a value breaks a rule of the story model."""


class DomainError(Exception):
    """Base class for every error that the domain and services raise on bad input."""


class ValidationError(DomainError):
    """A field has a value that the story model does not accept.

    ``field`` names the offending field (``"title"``, ``"duration_s"``) so that a form
    can show the message next to it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(DomainError):
    """An id or key does not name an existing record."""


class ConflictError(DomainError):
    """The edit is valid on its own but clashes with other records (a duplicate key,
    a second approved variant, deleting the start scene)."""
