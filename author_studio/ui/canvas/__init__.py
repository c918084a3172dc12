"""The plot graph canvas: scene cards, choice arrows, the view and its minimap."""

from author_studio.ui.canvas.graph_scene import PlotGraphScene
from author_studio.ui.canvas.view import PlotCanvas

__all__ = ["PlotCanvas", "PlotGraphScene"]
