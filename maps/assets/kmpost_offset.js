/* kmpost: draw a Leaflet polyline shifted sideways by a constant number of screen pixels (MIT).
 * Inlined by maps/html.py after Leaflet 1.9. A polyline (not a polygon) whose options hold
 * `offset: N` is drawn N px to the RIGHT of its direction of travel (N < 0: to the left), at every
 * zoom; its coordinates are unchanged. Used to draw a new highway and the old road side by side.
 * The shift happens after Leaflet projects the line to layer pixels and before it clips and
 * simplifies it, so clicks, tooltips and both renderers (SVG and canvas) see the shifted line.
 * Joins are mitred, with the mitre capped at MITRE_LIMIT times the offset (sharp turns). */
(function () {
  'use strict';
  if (!window.L || !L.Polyline) { return; }
  var MITRE_LIMIT = 3;

  // unit normal pointing to the right of a -> b in screen pixels (y grows downwards)
  function rightNormal(a, b) {
    var dx = b.x - a.x, dy = b.y - a.y, len = Math.sqrt(dx * dx + dy * dy);
    return len > 0 ? {x: -dy / len, y: dx / len} : null;
  }

  // one ring of L.Point -> the same number of points, each moved `d` px off the line
  function shiftRing(ring, d) {
    var n = ring.length, normals = [], i;
    for (i = 0; i + 1 < n; i++) { normals.push(rightNormal(ring[i], ring[i + 1])); }
    // repeated points have no direction: borrow the nearest real one (before, then after)
    for (i = 1; i < normals.length; i++) { if (!normals[i]) { normals[i] = normals[i - 1]; } }
    for (i = normals.length - 2; i >= 0; i--) { if (!normals[i]) { normals[i] = normals[i + 1]; } }
    if (!normals.length || !normals[0]) { return ring; }
    var out = [];
    for (i = 0; i < n; i++) {
      var before = normals[Math.max(i - 1, 0)], after = normals[Math.min(i, normals.length - 1)];
      var mx = before.x + after.x, my = before.y + after.y, ml = Math.sqrt(mx * mx + my * my);
      var nx = after.x, ny = after.y, scale = 1;
      if (ml > 1e-9) {
        nx = mx / ml; ny = my / ml;
        var cos = nx * after.x + ny * after.y;  // cosine of half the turn angle
        scale = Math.min(1 / Math.max(cos, 1e-9), MITRE_LIMIT);
      }
      out.push(L.point(ring[i].x + nx * d * scale, ring[i].y + ny * d * scale));
    }
    return out;
  }

  var project = L.Polyline.prototype._project;
  L.Polyline.include({
    _project: function () {
      project.call(this);
      var d = this.options.offset;
      if (!d || this instanceof L.Polygon || !this._rings) { return; }
      this._rings = this._rings.map(function (ring) { return shiftRing(ring, d); });
      if (this._rawPxBounds) {
        var pad = Math.abs(d) * MITRE_LIMIT, b = this._rawPxBounds;
        this._rawPxBounds = L.bounds(b.min.subtract([pad, pad]), b.max.add([pad, pad]));
        this._updateBounds();
      }
    }
  });
  L.Polyline.kmpostShiftRing = shiftRing;  // for the tests
}());
