"""Renderers of a comparison for people: the terminal (rich) and a self-contained HTML page."""
