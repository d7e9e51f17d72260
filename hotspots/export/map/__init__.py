"""The patrol map (patrol_map.html) and the public map: folium layers, popups, controls, the heat
layer, and the vendored MarkerCluster assets (package data in ``vendor/``)."""
