"""Project tracker for the Optionskommune changeover."""

__version__ = "0.1.0"
