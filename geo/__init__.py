"""Pure geometry for kmpost: tracks, the WGS84 earth model, local CRSs and linear referencing.

All public functions take and return (lon, lat) in degrees WGS84 (EPSG:4326) unless a name says
otherwise; distances are metres unless the name says ``km``.
"""
