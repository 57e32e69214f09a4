"""Outputs: finalized notes rendered to files and shared with patients."""
