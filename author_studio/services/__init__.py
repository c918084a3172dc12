"""Services over an open project: every edit goes through them. Imports no Qt."""

from author_studio.services.changes import Action, Change, ChangeNotice, Entity
from author_studio.services.session import ProjectCounts, ProjectSession

__all__ = [
    "Action",
    "Change",
    "ChangeNotice",
    "Entity",
    "ProjectCounts",
    "ProjectSession",
]
