"""The inspector dock and its scene and choice forms."""

from author_studio.ui.inspector.dock import InspectorDock

__all__ = ["InspectorDock"]
