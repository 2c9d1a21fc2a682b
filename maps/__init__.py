"""Exporters: files (GeoPackage, GeoJSON), the HTML map, GPX, FIT and TCX courses, roadbook text."""
