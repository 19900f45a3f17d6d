"""Project files and exported results."""
