"""Checks and statistics of a story graph: lint findings and path counts."""

from author_studio.analysis.lint import Finding, Severity, has_errors, lint
from author_studio.analysis.paths import PathStats, path_stats

__all__ = ["Finding", "PathStats", "Severity", "has_errors", "lint", "path_stats"]
