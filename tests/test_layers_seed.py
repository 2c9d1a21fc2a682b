"""The embedded G315 route: every located fact of the seed note is a feature of a fitting kind."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layers._common import COLUMNS
from layers.km_markers import level_of

# the eleven "At km" lines of the seed note -> (layer, kind) of a feature at that km
AT_KM = {
    1317: ("road_events", "highway_start"),
    1339: ("road_events", "parallel_start"),
    1353: ("road_events", "highway_end"),
    1380: ("road_events", "downhill"),
    1383: ("checkpoints", "checkpoint"),
    1385: ("road_events", "highway_end"),
    1386: ("road_events", "park"),
    1423: ("checkpoints", "checkpoint"),
    1452: ("road_events", "resurfacing_start"),
    1459: ("road_events", "turn_off"),
    1506: ("road_events", "crossover"),
}


def all_features(layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    return pd.concat([g.drop(columns="geometry") for g in layers.values()], ignore_index=True)


def test_every_layer_has_common_schema_in_epsg4326(seed_layers):
    for name, gdf in seed_layers.items():
        assert gdf.crs.to_epsg() == 4326, name
        assert tuple(gdf.columns[: len(COLUMNS)]) == COLUMNS, name
        assert (gdf["layer"] == name).all()
        geoms = gdf.geometry[gdf.geometry.notna()]
        assert geoms.is_valid.all(), name
        if name != "restrictions":  # route-wide restrictions have no geometry
            assert len(geoms) == len(gdf), name
        if len(geoms) == 0:
            continue
        b = gdf.total_bounds
        assert -180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90


@pytest.mark.parametrize(("km", "where"), AT_KM.items())
def test_at_km_lines_are_features_at_their_km(seed_layers, km, where):
    layer, kind = where
    gdf = seed_layers[layer]
    hit = gdf[(gdf["km"] == km) & (gdf["kind"] == kind)]
    assert len(hit) >= 1, f"km {km}: no {kind} in {layer}"
    assert (hit["km_pos"] == km).all()
    assert hit["note"].str.contains(f"km {km}").all()


def test_five_checkpoints_three_without_km(seed_layers):
    cp = seed_layers["checkpoints"]
    assert len(cp) == 5
    no_km = cp[cp["km"].isna()]
    assert len(no_km) == 3
    names = " ".join(no_km["note"])
    assert "Qinghai checkpoint" in names
    assert "PCR testing" in names
    assert "second checkpoint" in names
    # in order along the route: Qinghai, border PCR post, after the train bridge, 1383, 1423
    assert list(cp.sort_values("along_m")["km"].fillna(0)) == [0, 0, 0, 1383, 1423]


def test_downhill_signs_and_stretches(seed_layers):
    ev = seed_layers["road_events"]
    signs = ev[ev["kind"] == "downhill"]
    assert sorted(signs["length_km"]) == [9, 19, 34]
    s = seed_layers["stretches"]
    dh = s[s["kind"] == "downhill"]
    assert set(dh["length_km"]) == {34, 100}
    d34 = dh[dh["length_km"] == 34].iloc[0]
    assert (d34["km_pos"], d34["km_pos_end"]) == (1380, 1414)
    assert "longest downhill" in " ".join(dh["note"])


def test_camping_zone_first_100_km_in_xinjiang(seed_layers):
    c = seed_layers["camping"]
    zone = c[c["kind"] == "camping_zone"].iloc[0]
    assert zone["km_pos_end"] - zone["km_pos"] == pytest.approx(100)
    assert "dry river beds" in zone["guidance"]
    assert zone.geometry.geom_type == "Polygon"


def test_no_services_and_parallels(seed_layers):
    s = seed_layers["stretches"]
    ns = s[s["kind"] == "no_services"].iloc[0]
    assert "400 km" in ns["note"] and (ns["km_pos"], ns["km_pos_end"]) == (1250, 1555)
    p = seed_layers["parallels"]
    assert {"highway", "old_road"} == set(p["role"])
    rs = p[p["status"] == "resurfacing"].iloc[0]
    assert (rs["km_pos"], rs["km_pos_end"], rs["cycling"]) == (1452, 1506, "avoid")
    assert (p[p["status"] == "built_not_open"]["cycling"] == "good").all()
    # highway and old road drawn on opposite sides
    par = p[p["kind"] == "parallel"].iloc[0]
    hw = p[(p["role"] == "highway") & (p["km_pos"] <= par["km_pos"]) & (p["km_pos_end"] >= par["km_pos_end"])].iloc[0]
    assert hw.geometry.distance(par.geometry) > 0


def test_places_restrictions_and_credit(seed_layers):
    pl = seed_layers["places"].set_index("place_id")
    assert "not allowed to stay overnight" in pl.loc["huatugou", "note"]
    assert "forbidden town" in pl.loc["yitunbulake", "note"]
    assert "closed" in pl.loc["miran_site", "note"]
    geon = pl[pl["coord_source"].str.contains("GeoNames", na=False)]
    assert len(geon) >= 8 and (geon["licence"] == "CC BY 4.0, GeoNames.org").all()
    assert pl.loc["huatugou", "ele"] == 2945 and pl.loc["ruoqiang", "ele"] == 889
    assert pl.loc["huatugou", "km_pos"] == pytest.approx(1250)


def test_route_is_marked_schematic(seed_layers):
    r = seed_layers["route"].iloc[0]
    assert bool(r["schematic"]) and "SCHEMATIC" in r["notice"]


def test_km_markers_levels_and_positions(seed_layers, seed_ctx):
    km = seed_layers["km_markers"]
    assert km["km_pos"].min() == 1250 and km["km_pos"].max() == 1555 and len(km) == 306
    assert dict(zip(km["km_pos"], km["level"], strict=True))[1400] == 100
    assert [level_of(k) for k in (1450, 1410, 1415, 1401)] == [50, 10, 5, 1]
    back, _ = seed_ctx.chainage.km_at_point(km.geometry.x.to_numpy(), km.geometry.y.to_numpy())
    assert np.all(np.abs(back - km["km_pos"].to_numpy()) < 0.001)
