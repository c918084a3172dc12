"""Editors of the story's variables, audiences and personas."""

from author_studio.ui.editors.story_data import StoryDataDock

__all__ = ["StoryDataDock"]
