/* kmpost offline map runtime (MIT). Inlined by maps/html.py; needs Leaflet 1.9 and
 * leaflet-polylineoffset. Every text that comes from route notes is put into the page with
 * textContent (never innerHTML), so HTML in a note is shown as text and never runs.
 * window.kmpost exposes the layers for tests: kmpost.layers[id], kmpost.rendered(id). */
(function () {
  'use strict';
  var K = window.kmpost = {
    layers: {}, labels: {}, totals: {}, order: [], bases: {}, map: null, measuring: false,
    legendItems: [], tileErrors: 0
  };

  // ------------------------------------------------------------------ helpers
  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  K.el = el;

  function fmtKm(v) {
    if (v === null || v === undefined || isNaN(v)) { return null; }
    var r = Math.round(v * 10) / 10;
    return (r % 1 === 0) ? String(r) : r.toFixed(1);
  }
  K.fmtKm = fmtKm;

  /** Decode a Google encoded polyline (precision 5) into [[lat, lon], ...]. */
  function decode(str) {
    var out = [], idx = 0, lat = 0, lon = 0, n = str.length;
    while (idx < n) {
      var result = 0, shift = 0, b;
      do { b = str.charCodeAt(idx++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      result = 0; shift = 0;
      do { b = str.charCodeAt(idx++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lon += (result & 1) ? ~(result >> 1) : (result >> 1);
      out.push([lat * 1e-5, lon * 1e-5]);
    }
    return out;
  }
  K.decode = decode;

  // ------------------------------------------------------------------ styles
  // Every kind's style comes from roadbook/kinds.py (the one registry), embedded by maps/html.py
  // as cfg.kinds = {styles: {group: {kind: style}}, layer_group: {layer: group}, search: [group]}.
  // shape: p = point (circle marker), l = line, a = area.
  var KINDS = {styles: {}, layer_group: {}, search: []};
  var PALETTE = ['#5e35b1', '#00897b', '#c0ca33', '#8e24aa', '#f4511e', '#3949ab', '#6d4c41'];
  K.setKinds = function (kinds) { if (kinds) { KINDS = kinds; K.kinds = kinds; } };

  /** The registry entry of a kind as found in a layer (or a group): {key, def} or null. */
  function kindStyle(kind, layerId, group) {
    var g = group || KINDS.layer_group[layerId], order = g ? [g].concat(KINDS.search) : KINDS.search;
    for (var i = 0; i < order.length; i++) {
      var d = (KINDS.styles[order[i]] || {})[kind];
      if (d) { return {key: order[i] + ':' + kind, def: d}; }
    }
    return null;
  }

  function humanKind(kind, layerId) {
    var s = kindStyle(kind, layerId);
    if (s && s.def.label && s.def.shape === 'p') { return s.def.label; }
    kind = String(kind || '').replace(/_/g, ' ');
    return kind.charAt(0).toUpperCase() + kind.slice(1);
  }

  function isRestricted(p) {
    if (p.restricted === false || p.restricted === 'false') { return false; }
    var r = p.restricted;
    if (r === true || r === 'true' || r === 'yes' || r === 1) { return true; }
    return /restrict/i.test(String(p.kind || '')) || (typeof r === 'string' && r.length > 0 && r !== 'false' && r !== 'no');
  }

  function parallelKey(kind, p) {
    if (p.role === 'old_road') { return kind === 'resurfacing' || p.status === 'resurfacing' ? 'resurfacing' : 'old_road'; }
    if (p.status === 'built_not_open' || kind === 'highway_built_closed') { return 'highway_built_closed'; }
    if (p.status === 'open' || kind === 'highway_open') { return 'highway_open'; }
    return 'highway';
  }

  /** Style of a feature from its layer, kind, role/status/restriction and shape (p, l, a). */
  function styleOf(layerId, p) {
    var kind = String(p.kind || layerId), shape = p._shape || 'p', found = null, key = null, s = null;
    if (layerId === 'route') {
      found = kindStyle(p.kind === 'track_gap' ? 'track_gap' : (p.schematic ? 'route_schematic' : 'route'), null, 'derived');
    } else if (layerId === 'places' && isRestricted(p)) { found = kindStyle('restricted_place', null, 'derived'); }
    else if (shape === 'l' && (layerId === 'parallels' || p.role === 'highway' || p.role === 'old_road')) {
      found = kindStyle(parallelKey(kind, p), null, 'stretch');
    } else { found = kindStyle(kind, layerId); }
    if (found) { key = found.key; s = found.def; }
    if (s && s.shape !== shape && !(s.shape === 'a' && shape === 'l')) {
      // a point kind drawn as a line (or the reverse): keep the colour, change the shape
      var c = s.shape === 'p' ? (s.fill || s.color) : s.color;
      s = {shape: shape, color: shape === 'p' ? s.color : c, fill: c, weight: shape === 'p' ? 2 : 4,
           dash: s.dash, radius: 6, label: humanKind(kind, layerId)};
      key = kind + ':' + shape;
    }
    if (!s) {
      var h = 0;
      for (var j = 0; j < kind.length; j++) { h = (h * 31 + kind.charCodeAt(j)) >>> 0; }
      var col = PALETTE[h % PALETTE.length];
      s = {shape: shape, color: col, fill: col, radius: 5, label: humanKind(kind, layerId)};
      key = 'other:' + kind + ':' + shape;
    }
    var offset = s.offset || 0;
    if (typeof p.offset_m === 'number' && p.offset_m !== 0) { offset = 0; }  // geometry already offset
    else if (offset && p.side === 'left') { offset = -Math.abs(offset); }
    else if (offset && p.side === 'right') { offset = Math.abs(offset); }
    return {key: key, def: s, offset: offset};
  }

  function pathOptions(st, shape) {
    var s = st.def;
    if (shape === 'p') {
      return {radius: s.radius || 6, color: s.color, weight: s.weight || 2, dashArray: s.dash || null,
        fillColor: s.fill || s.color, fillOpacity: 0.95, opacity: 1};
    }
    if (shape === 'a') {
      return {color: s.color, weight: s.weight || 2, dashArray: s.dash || null,
        fillColor: s.fill || s.color, fillOpacity: 0.25, opacity: 0.9};
    }
    return {color: s.color, weight: s.weight || 4, dashArray: s.dash || null, opacity: s.opacity || 0.95,
      offset: st.offset || 0, lineCap: s.dash ? 'butt' : 'round'};
  }

  // ------------------------------------------------------------------ popups & tooltips
  function kmText(p) {
    var a = fmtKm(p.km), b = fmtKm(p.km_end);
    if (a !== null) { return 'km ' + a + (b !== null && b !== a ? '–' + b : ''); }
    var c = fmtKm(p.km_pos), d = fmtKm(p.km_pos_end);
    if (c !== null) {
      return '≈ km ' + c + (d !== null && d !== c ? '–' + d : '') + ' (no km in the source)';
    }
    return null;
  }

  // columns shown in the popup's head or not worth showing; others are listed as details
  var COMMON = {};
  ['layer', 'kind', 'km', 'km_pos', 'along_m', 'name', 'note', 'source', 'side', 'confidence', 'located_by',
   'km_end', 'km_pos_end', 'along_m_end', 'level', 'role', 'offset_m', 'schematic', 'notice', 'track_source',
   'place_id', 'place_kind', 'coord_source', 'ele_source', 'licence', 'on_route', 'restricted', 'loo_km',
   'scale_after'].forEach(function (k) { COMMON[k] = true; });

  function popupContent(layerId, p) {
    var box = el('div', 'kp-pop');
    el('div', 'kp-pop-title', p.name || humanKind(p.kind), box);
    var meta = [];
    var k = kmText(p);
    if (k) { meta.push(k); }
    meta.push(humanKind(p.kind || layerId));
    if (p.side) { meta.push('side: ' + p.side); }
    if (layerId === 'places' && isRestricted(p)) { meta.push('restricted'); }
    el('div', 'kp-pop-meta', meta.join(' · '), box);
    if (p.note) { el('blockquote', 'kp-pop-note', p.note, box); }
    var extra = Object.keys(p).filter(function (k) {
      return !COMMON[k] && k.charAt(0) !== '_' && p[k] !== '' && p[k] !== null && typeof p[k] !== 'object' &&
        !(typeof p[k] === 'boolean' && !p[k]);
    });
    if (extra.length) {
      var dl = el('div', 'kp-pop-extra', null, box);
      extra.forEach(function (k) {
        var row = el('div', null, null, dl);
        el('span', 'kp-pop-key', k.replace(/_/g, ' ') + ': ', row);
        var v = typeof p[k] === 'number' ? String(Math.round(p[k] * 100) / 100) : String(p[k]);
        el('span', null, v.length > 400 ? v.slice(0, 400) + '…' : v, row);
      });
    }
    var src = [];
    if (p.source) { src.push('Source: ' + p.source); }
    if (p.confidence) { src.push('confidence ' + p.confidence); }
    if (p.located_by) { src.push('placed by ' + p.located_by); }
    if (src.length) { el('div', 'kp-pop-src', src.join(' · '), box); }
    return box;
  }

  function tooltipContent(layerId, p) {
    var k = kmText(p);
    var name = p.name || humanKind(p.kind || layerId);
    return el('span', 'kp-tip', name + (k ? ' (' + k + ')' : ''));
  }

  /** Hover tooltip; the popup is opened by the tap picker (K.pick), never by the layer itself. */
  function bindInfo(layer, layerId, p) {
    layer.bindTooltip(function () { return tooltipContent(layerId, p); }, {sticky: true, direction: 'top', opacity: 0.95});
    layer.kpProps = p; layer.kpLayerId = layerId;
    layer.on('click', function (e) { K.pick(e); });
  }

  // ------------------------------------------------------------------ level-of-detail lines
  K.lodLines = [];
  function lodIndex(lod, z) {
    var best = 0;
    for (var i = 0; i < lod.length; i++) { if (lod[i][0] <= z) { best = i; } }
    return best;
  }
  function lodLatLngs(line, i) {
    if (!line._kpCache[i]) { line._kpCache[i] = line._kpLod[i][1].map(decode); }
    return line._kpCache[i];
  }
  function makeLodLine(lod, opts) {
    var line = L.polyline([], opts);
    line._kpLod = lod; line._kpCache = {}; line._kpLevel = -1;
    line.on('add', function () { updateLod(line); });
    K.lodLines.push(line);
    return line;
  }
  function updateLod(line) {
    if (!line._map) { return; }
    var i = lodIndex(line._kpLod, line._map.getZoom());
    if (i !== line._kpLevel) { line._kpLevel = i; line.setLatLngs(lodLatLngs(line, i)); }
  }
  K.lineAnchor = function (line) {
    var parts = lodLatLngs(line, line._kpLod.length - 1), part = parts[0];
    return L.latLng(part[Math.floor(part.length / 2)]);
  };

  // ------------------------------------------------------------------ layers
  /** What a legend swatch shows of a style (see swatch()): equal signatures look the same. */
  function signature(shape, d) {
    if (shape === 'l') {
      return ['l', d.color, Math.min(d.weight || 4, 6), d.dash ? (/^1 /.test(d.dash) ? 'dotted' : 'dashed') : 'solid'].join('|');
    }
    return [shape, d.color, d.fill || d.color, d.dash ? 'dashed' : 'solid', d.weight > 2 ? Math.min(d.weight, 4) : 2].join('|');
  }
  /** Add a legend row (one per label and layer); returns the style to draw with. A style whose
   *  symbol another label already uses gets another fill, so every legend symbol is unique. */
  function addLegend(layerId, st, shape) {
    var i, items = K.legendItems;
    for (i = 0; i < items.length; i++) {
      if (items[i].layer === layerId && (items[i].key === st.key || items[i].label === st.def.label)) {
        return {key: items[i].key, def: items[i].def, offset: st.offset};
      }
    }
    var def = st.def, n = 0;
    var used = function (d) {
      for (var j = 0; j < items.length; j++) {
        if (items[j].sig === signature(shape, d) && items[j].label !== d.label) { return true; }
      }
      return false;
    };
    while (used(def) && n < PALETTE.length) {
      def = L.extend({}, st.def, {fill: PALETTE[n], color: shape === 'p' ? st.def.color : PALETTE[n]});
      n += 1;
    }
    items.push({layer: layerId, key: st.key, label: def.label, shape: shape, def: def, sig: signature(shape, def)});
    return {key: st.key, def: def, offset: st.offset};
  }

  /** Build the Leaflet layer of one kmpost layer from its GeoJSON FeatureCollection. */
  K.featureLayer = function (layerId, label, fc) {
    var group = L.featureGroup();
    var points = [], lines = [];
    fc.features.forEach(function (f) {
      if (f.properties && f.properties._lod) { lines.push(f); } else if (f.geometry) { points.push(f); }
    });
    lines.forEach(function (f) {
      var p = f.properties;
      p._shape = 'l';
      var st = addLegend(layerId, styleOf(layerId, p), 'l');
      var line = makeLodLine(p._lod, pathOptions(st, 'l'));
      bindInfo(line, layerId, p);
      group.addLayer(line);
      if (layerId === 'transport' && p.mode) {
        // a connection, not a road: say what it is on the line itself
        line.bindTooltip(String(p.mode).replace(/_/g, ' '), {permanent: true, direction: 'center',
          className: 'kp-mode-label', interactive: false});
        line.on('add', function () { line.closeTooltip(); line.openTooltip(K.lineAnchor(line)); });
      }
    });
    if (points.length) {
      L.geoJSON({type: 'FeatureCollection', features: points}, {
        pointToLayer: function (f, ll) {
          f.properties._shape = 'p';
          var st = addLegend(layerId, styleOf(layerId, f.properties), 'p');
          return L.circleMarker(ll, pathOptions(st, 'p'));
        },
        style: function (f) {
          if (f.geometry.type === 'Point' || f.geometry.type === 'MultiPoint') { return {}; }
          var shape = /Polygon/.test(f.geometry.type) ? 'a' : 'l';
          f.properties._shape = shape;
          var st = addLegend(layerId, styleOf(layerId, f.properties), shape);
          return pathOptions(st, shape);
        },
        onEachFeature: function (f, layer) { bindInfo(layer, layerId, f.properties); }
      }).eachLayer(function (l) { group.addLayer(l); });
    }
    register(layerId, label, group, fc.features.length);
    return group;
  };

  /** Km markers: one label per km, thinned by zoom (levels 100/50/10/5/1), only in view. */
  var KmLayer = L.Layer.extend({
    initialize: function (d) {
      this._d = d; this._group = L.layerGroup(); this._markers = {};
      this._levels = (d.levels || [100, 50, 10, 5, 1]).slice().sort(function (a, b) { return a - b; });
      var s = 0; for (var i = 0; i < d.lat.length; i++) { s += d.lat[i]; }
      this._lat0 = d.lat.length ? s / d.lat.length : 0;
    },
    onAdd: function (map) {
      this._group.addTo(map);
      map.on('zoomend moveend', this._update, this);
      this._update();
    },
    onRemove: function (map) {
      map.off('zoomend moveend', this._update, this);
      map.removeLayer(this._group);
    },
    /** Smallest level whose spacing is at least 60 px at this zoom (null: none fits). */
    levelFor: function (z) {
      var mpp = 40075016.686 * Math.cos(this._lat0 * Math.PI / 180) / (256 * Math.pow(2, z));
      for (var i = 0; i < this._levels.length; i++) {
        if (this._levels[i] * 1000 / mpp >= 60) { return this._levels[i]; }
      }
      var top = this._levels[this._levels.length - 1];
      return (top * 1000 / mpp >= 25) ? top : null;
    },
    _update: function () {
      var map = this._map; if (!map) { return; }
      var lvl = this.levelFor(map.getZoom());
      var b = map.getBounds().pad(0.25), d = this._d;
      for (var i = 0; i < d.lat.length; i++) {
        var want = lvl !== null && d.level[i] >= lvl && b.contains([d.lat[i], d.lon[i]]);
        var m = this._markers[i];
        if (want && !m) {
          m = this._markers[i] = this._make(i);
        }
        if (want && !this._group.hasLayer(m)) { this._group.addLayer(m); }
        if (!want && m && this._group.hasLayer(m)) { this._group.removeLayer(m); }
      }
      this.level = lvl;
    },
    _make: function (i) {
      var d = this._d, km = fmtKm(d.km[i]);
      var lab = el('div', 'kp-km-label lvl' + d.level[i], km);
      // km labels sit beside their point (up-right) in a pane that takes no pointer events:
      // they never catch a click or a hover meant for a checkpoint drawn at the same place
      var m = L.marker([d.lat[i], d.lon[i]], {
        icon: L.divIcon({className: 'kp-km', html: lab, iconSize: null}), keyboard: false,
        interactive: false, pane: 'kpKm'
      });
      m.kpProps = {kind: 'km_marker', name: 'km ' + km, km: d.km[i]};
      return m;
    },
    getLayers: function () { return this._group.getLayers(); }
  });

  K.kmLayer = function (layerId, label, d) {
    var layer = new KmLayer(d);
    var km = KINDS.styles.derived.km_marker;
    K.legendItems.push({layer: layerId, key: 'km_marker', label: km.label, shape: 'km', def: km, sig: 'km'});
    register(layerId, label, layer, d.lat.length);
    return layer;
  };

  function register(id, label, layer, total) {
    K.layers[id] = layer; K.labels[id] = label; K.totals[id] = total; K.order.push(id);
  }

  /** Number of features of a layer currently drawn on the map (0 when the layer is hidden). */
  K.rendered = function (id) {
    var layer = K.layers[id], n = 0;
    if (!layer || !K.map || !K.map.hasLayer(layer)) { return 0; }
    (layer.getLayers ? layer.getLayers() : []).forEach(function (l) { if (l._map) { n += 1; } });
    return n;
  };

  // ------------------------------------------------------------------ base layers
  K.registerBase = function (name, layer, isDefault) {
    K.bases[name] = layer;
    if (layer.on) {
      layer.on('tileerror', function () { K.tileErrors += 1; });
    }
    if (isDefault) { K.defaultBase = name; }
  };
  function restoreBase(map) {
    var saved = null;
    try { saved = window.localStorage.getItem('kmpost.base'); } catch (e) { saved = null; }
    var name = (saved && K.bases[saved]) ? saved : K.defaultBase;
    Object.keys(K.bases).forEach(function (n) {
      if (n !== name && map.hasLayer(K.bases[n])) { map.removeLayer(K.bases[n]); }
    });
    if (name && !map.hasLayer(K.bases[name])) { K.bases[name].addTo(map); }
    map.on('baselayerchange', function (e) {
      try { window.localStorage.setItem('kmpost.base', e.name.replace(/<[^>]*>/g, '').trim()); } catch (err) { /* private mode */ }
    });
  }

  // ------------------------------------------------------------------ offline base map (MBTiles corridor)
  /** A base layer of embedded tiles ("z/x/y" -> data: URI); no tile = the plain background. */
  K.offlineTiles = function (d) {
    var Grid = L.GridLayer.extend({
      createTile: function (c) {
        var img = document.createElement('img');
        img.alt = '';
        var src = d.tiles[c.z + '/' + c.x + '/' + c.y];
        if (src) { img.src = src; } else { img.style.visibility = 'hidden'; }
        return img;
      }
    });
    var esc = el('span', null, d.attribution);
    var layer = new Grid({minZoom: 0, maxZoom: 18, minNativeZoom: d.minZoom, maxNativeZoom: d.maxNativeZoom,
      attribution: esc.innerHTML});
    layer.kpTiles = d.tiles;
    K.offline = layer;
    return layer;
  };

  // ------------------------------------------------------------------ calibration (road km)
  // The build's calibration travels in cfg.companion: route vertices with their geodesic
  // along-track metres (of the full line), and the knots (along_m -> road km), piecewise linear
  // with linear extrapolation at both ends, as geo/calibrate.py. Positions are projected on the
  // line in a spherical transverse Mercator centred on the route (conformal, like the build's).
  var R_EARTH = 6371008.8;
  function Route(c) {
    this.c = c;
    var lon = c.lon, lat = c.lat, n = lon.length, i;
    var lo0 = Infinity, lo1 = -Infinity, la0 = Infinity, la1 = -Infinity;
    for (i = 0; i < n; i++) {
      lo0 = Math.min(lo0, lon[i]); lo1 = Math.max(lo1, lon[i]); la0 = Math.min(la0, lat[i]); la1 = Math.max(la1, lat[i]);
    }
    this.lon0 = (lo0 + lo1) / 2; this.lat0 = (la0 + la1) / 2;
    this.x = new Float64Array(n); this.y = new Float64Array(n);
    for (i = 0; i < n; i++) { var p = this.fwd(lon[i], lat[i]); this.x[i] = p[0]; this.y[i] = p[1]; }
    this.ka = c.knots.along; this.kk = c.knots.km;
  }
  Route.prototype.fwd = function (lon, lat) {
    var phi = lat * Math.PI / 180, dl = (lon - this.lon0) * Math.PI / 180, phi0 = this.lat0 * Math.PI / 180;
    var b = Math.cos(phi) * Math.sin(dl);
    return [R_EARTH * 0.5 * Math.log((1 + b) / (1 - b)), R_EARTH * (Math.atan2(Math.tan(phi), Math.cos(dl)) - phi0)];
  };
  function interpExtrap(x, xp, fp) {
    var n = xp.length;
    if (n === 1) { return fp[0]; }
    if (x <= xp[0]) { return fp[0] + (x - xp[0]) * (fp[1] - fp[0]) / (xp[1] - xp[0]); }
    if (x >= xp[n - 1]) { return fp[n - 1] + (x - xp[n - 1]) * (fp[n - 1] - fp[n - 2]) / (xp[n - 1] - xp[n - 2]); }
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (xp[mid] <= x) { lo = mid; } else { hi = mid; } }
    return fp[lo] + (x - xp[lo]) * (fp[hi] - fp[lo]) / (xp[hi] - xp[lo]);
  }
  /** Road km at an along-track distance (metres). */
  Route.prototype.km = function (along) { return interpExtrap(along, this.ka, this.kk); };
  /** Along-track metres of a road km, or null when the km is not on the route. */
  Route.prototype.alongOfKm = function (km) {
    var s = this.c.km_increasing ? 1 : -1, kk = this.kk.map(function (k) { return s * k; });
    var a = interpExtrap(s * km, kk, this.ka);
    if (a < -1 || a > this.c.length_m + 1) { return null; }
    return Math.min(Math.max(a, 0), this.c.length_m);
  };
  /** Nearest point of the line to (lat, lon): {along, km, off (m), lat, lon}. */
  Route.prototype.locate = function (lat, lon) {
    var q = this.fwd(lon, lat), x = this.x, y = this.y, n = x.length, best = Infinity, bi = 0, bt = 0;
    for (var i = 0; i < n - 1; i++) {
      var dx = x[i + 1] - x[i], dy = y[i + 1] - y[i], d2 = dx * dx + dy * dy;
      var t = d2 > 0 ? ((q[0] - x[i]) * dx + (q[1] - y[i]) * dy) / d2 : 0;
      t = t < 0 ? 0 : (t > 1 ? 1 : t);
      var ex = x[i] + t * dx - q[0], ey = y[i] + t * dy - q[1], e2 = ex * ex + ey * ey;
      if (e2 < best) { best = e2; bi = i; bt = t; }
    }
    var a = this.c.along, along = a[bi] + bt * (a[bi + 1] - a[bi]);
    var ll = this.pointAt(along);
    return {along: along, km: this.km(along), off: Math.sqrt(best), lat: ll[0], lon: ll[1]};
  };
  /** [lat, lon] of the point at an along-track distance. */
  Route.prototype.pointAt = function (along) {
    var a = this.c.along, n = a.length, lo = 0, hi = n - 1;
    along = Math.min(Math.max(along, 0), a[n - 1]);
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (a[mid] <= along) { lo = mid; } else { hi = mid; } }
    var f = a[hi] > a[lo] ? (along - a[lo]) / (a[hi] - a[lo]) : 0;
    // linear in the projected plane, as the build's MeasuredLine.interpolate
    return this.inv(this.x[lo] + f * (this.x[hi] - this.x[lo]), this.y[lo] + f * (this.y[hi] - this.y[lo]));
  };
  /** [lat, lon] of projected (x, y) metres. */
  Route.prototype.inv = function (x, y) {
    var d = y / R_EARTH + this.lat0 * Math.PI / 180, xr = x / R_EARTH;
    var lat = Math.asin(Math.sin(d) / Math.cosh(xr)), dl = Math.atan2(Math.sinh(xr), Math.cos(d));
    return [lat * 180 / Math.PI, this.lon0 + dl * 180 / Math.PI];
  };
  /** Vertices [[lat, lon], ...] between two along-track distances. */
  Route.prototype.between = function (a0, a1) {
    var lo = Math.min(a0, a1), hi = Math.max(a0, a1), a = this.c.along, out = [this.pointAt(lo)];
    for (var i = 0; i < a.length; i++) { if (a[i] > lo && a[i] < hi) { out.push([this.c.lat[i], this.c.lon[i]]); } }
    out.push(this.pointAt(hi));
    return out;
  };
  K.Route = Route;

  function dist(km) { return km.toFixed(1) + ' km'; }
  function kmLabel(km) { return 'km ' + (Math.round(km * 10) / 10).toFixed(1); }

  /** What the riding panel says about a point: road km, offset, what is ahead (increasing
   *  along_m) with road-km distances (the km posts you will see). */
  K.whereAt = function (lat, lon) {
    var r = K.route; if (!r) { return null; }
    var w = r.locate(lat, lon), evs = r.c.events, here = [], ahead = [], tol = 150;
    var next = {cp: null, water: null, sleep: null};
    var inZone = null;
    evs.forEach(function (e) {
      if (e.a1 !== undefined && e.a <= w.along + tol && e.a1 >= w.along - tol) {
        if (e.tags.indexOf('sleep') >= 0 && !inZone) { inZone = e; }
        return;
      }
      if (Math.abs(e.a - w.along) <= tol) { here.push(e); return; }
      if (e.a <= w.along) { return; }
      ahead.push(e);
      ['cp', 'water', 'sleep'].forEach(function (t) { if (!next[t] && e.tags.indexOf(t) >= 0) { next[t] = e; } });
    });
    var endKm = r.km(r.c.length_m);
    var d = function (e) { return Math.abs(e.km - w.km); };
    return {km: w.km, off: w.off, along: w.along, lat: w.lat, lon: w.lon, here: here, ahead: ahead,
      next: next, inZone: inZone, toEnd: Math.abs(endKm - w.km), dist: d};
  };

  function panelLines(w) {
    var lines = [], d = w.dist;
    lines.push({cls: 'kp-where-km', text: kmLabel(w.km) + ' · ' + (w.off < 100 ? 'on the route' :
      dist(w.off / 1000) + ' off the route')});
    if (w.here.length) {
      lines.push({text: 'Here: ' + w.here.map(function (e) { return e.name; }).join(', ')});
    }
    var parts = [];
    var n = w.next;
    parts.push(n.cp ? 'CP in ' + dist(d(n.cp)) + ' (' + kmLabel(n.cp.km) + ', ' + n.cp.name + ')' :
      'no checkpoint known ahead');
    parts.push(n.water ? 'water/food: ' + n.water.name + ' in ' + dist(d(n.water)) :
      'water/food: none known for ' + dist(w.toEnd) + ' (to the end of the route)');
    if (w.inZone) {
      parts.push('overnight: ' + w.inZone.name + ' here' + (w.inZone.km1 !== null && w.inZone.km1 !== undefined ?
        ' (until ' + kmLabel(w.inZone.km1) + ')' : ''));
    }
    parts.push(n.sleep ? 'next allowed overnight: ' + n.sleep.name + ', ' + dist(d(n.sleep)) :
      'next allowed overnight: none known ahead');
    parts.forEach(function (t) { lines.push({text: t}); });
    var then = w.ahead.slice(0, 3).map(function (e) { return e.name + ' ' + dist(d(e)); });
    if (then.length) { lines.push({cls: 'kp-where-then', text: 'Ahead: ' + then.join(' · ')}); }
    lines.push({cls: 'kp-where-note', text: 'Distances in road km (the km posts), in the direction of travel.'});
    return lines;
  }

  /** Show the riding panel for a position (a GPS fix or a tap). */
  K.showWhere = function (lat, lon, how) {
    var w = K.whereAt(lat, lon); if (!w) { return null; }
    var box = K.panel;
    box.innerHTML = '';
    var head = el('div', 'kp-where-head', null, box);
    el('span', 'kp-where-how', how === 'gps' ? 'My position' : 'Tapped point', head);
    var x = el('button', 'kp-where-close', '×', head);
    x.type = 'button'; x.title = 'Close';
    L.DomEvent.on(x, 'click', function () { K.hidePanel(); });
    panelLines(w).forEach(function (l) { el('div', 'kp-where-line ' + (l.cls || ''), l.text, box); });
    box.style.display = 'block';
    K.where = w;
    if (!K._whereMark) {
      K._whereMark = L.circleMarker([w.lat, w.lon], {radius: 5, color: '#1976d2', weight: 2, fillColor: '#fff',
        fillOpacity: 1, interactive: false}).addTo(K.map);
    } else { K._whereMark.setLatLng([w.lat, w.lon]).addTo(K.map); }
    K.layout();
    return w;
  };
  K.hidePanel = function () {
    if (K.panel) { K.panel.style.display = 'none'; }
    if (K._whereMark) { K.map.removeLayer(K._whereMark); }
    K.layout();
  };

  // ------------------------------------------------------------------ tap picking
  var FINGER_PX = 22;
  function distToSegment(p, a, b) {
    var dx = b.x - a.x, dy = b.y - a.y, d2 = dx * dx + dy * dy;
    var t = d2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / d2 : 0;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
  }
  function lineDist(map, layer, p) {
    var best = Infinity;
    var parts = layer.getLatLngs();
    if (parts.length && !L.Util.isArray(parts[0])) { parts = [parts]; }
    parts.forEach(function (part) {
      if (part.length && L.Util.isArray(part[0])) { part = part[0]; }  // polygon ring
      for (var i = 0; i < part.length - 1; i++) {
        best = Math.min(best, distToSegment(p, map.latLngToContainerPoint(part[i]), map.latLngToContainerPoint(part[i + 1])));
      }
    });
    return best;
  }
  /** The feature a tap at container point ``p`` means: the nearest point within a finger's
   *  radius, else the nearest line, else the area under the finger. */
  K.pickAt = function (p) {
    var map = K.map, bestP = null, dP = Infinity, bestL = null, dL = Infinity, bestA = null;
    K.order.forEach(function (id) {
      var layer = K.layers[id];
      if (!layer || !map.hasLayer(layer) || id === 'km_markers') { return; }
      layer.eachLayer(function visit(l) {
        if (l.eachLayer && !l.getLatLng && !l.getLatLngs) { l.eachLayer(visit); return; }
        if (!l._map || !l.kpProps) { return; }
        if (l.getLatLng) {
          var d = map.latLngToContainerPoint(l.getLatLng()).distanceTo(p) - (l.getRadius ? l.getRadius() : 0);
          if (d <= FINGER_PX && d < dP) { dP = d; bestP = l; }
        } else if (l instanceof L.Polygon) {
          if (!bestA && l._containsPoint && l._containsPoint(map.containerPointToLayerPoint(p))) { bestA = l; }
        } else if (l.getLatLngs && id !== 'route') {
          var dl = lineDist(map, l, p);
          if (dl <= FINGER_PX / 2 && dl < dL) { dL = dl; bestL = l; }
        }
      });
    });
    return bestP || bestL || bestA;
  };

  /** Popup padding that keeps an open popup clear of every control, the banner and the panel. */
  function popupRoom() {
    var map = K.map, box = map.getContainer().getBoundingClientRect(), c = map._controlCorners;
    var r = function (e) { return e.getBoundingClientRect(); };
    var colW = function (corner) {
      var w = 0;
      Array.prototype.forEach.call(corner.children, function (ch) { w = Math.max(w, r(ch).right - box.left - (corner === c.topright ? 0 : 0)); });
      return w;
    };
    var left = Math.max(colW(c.topleft), 0);
    var rightW = 0;
    Array.prototype.forEach.call(c.topright.children, function (ch) { rightW = Math.max(rightW, box.right - r(ch).left); });
    var top = K.bannerH || 0;
    var bottom = 0;
    [c.bottomleft, c.bottomright].forEach(function (corner) {
      Array.prototype.forEach.call(corner.children, function (ch) { bottom = Math.max(bottom, box.bottom - r(ch).top); });
    });
    if (K.panel && K.panel.style.display !== 'none') { bottom = Math.max(bottom, box.bottom - r(K.panel).top); }
    return {tl: [left + 8, top + 8], br: [rightW + 8, bottom + 8], width: box.width - left - rightW - 16};
  }

  /** Open the popup of a feature layer, placed clear of the controls. */
  K.openPopupFor = function (layer, latlng) {
    var map = K.map;
    if (K.phone()) { collapsePanels(); }
    var room = popupRoom();
    var width = Math.max(160, Math.min(320, room.width - 50));
    var at = layer.getLatLng ? layer.getLatLng() : (latlng || K.lineAnchor(layer));
    var pop = L.popup({maxWidth: width, minWidth: Math.min(180, width), autoPanPaddingTopLeft: room.tl,
      autoPanPaddingBottomRight: room.br, offset: layer.getLatLng ? [0, -4] : [0, 0]})
      .setLatLng(at).setContent(popupContent(layer.kpLayerId, layer.kpProps));
    pop.openOn(map);
    K.popupLayer = layer;
    return pop;
  };

  /** A tap or click on the map: measure, or open the picked feature, or the riding panel. */
  K.pick = function (e) {
    var oe = e.originalEvent;
    if (oe) { if (oe._kpPicked) { return; } oe._kpPicked = true; }
    if (K.measuring) { K._measureClick(e); return; }
    var p = e.containerPoint || K.map.latLngToContainerPoint(e.latlng);
    var hit = K.pickAt(p);
    if (hit) { K.openPopupFor(hit, e.latlng); return; }
    if (K.route) {
      var w = K.route.locate(e.latlng.lat, e.latlng.lng);
      var on = K.map.latLngToContainerPoint([w.lat, w.lon]).distanceTo(p);
      if (on <= FINGER_PX * 2) { K.map.closePopup(); K.showWhere(e.latlng.lat, e.latlng.lng, 'tap'); }
    }
  };

  // ------------------------------------------------------------------ controls
  var ICONS = {
    fullscreen: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6" fill="none" stroke="currentColor" stroke-width="2.4"/></svg>',
    locate: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="12" cy="12" r="6" fill="none" stroke="currentColor" stroke-width="2.2"/><circle cx="12" cy="12" r="2.2" fill="currentColor"/><path d="M12 1v5M12 18v5M1 12h5M18 12h5" stroke="currentColor" stroke-width="2.2"/></svg>',
    measure: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M2 16 16 2l6 6L8 22z" fill="none" stroke="currentColor" stroke-width="2"/><path d="M6 12l2 2M9 9l3 3M12 6l2 2" stroke="currentColor" stroke-width="2"/></svg>',
    gokm: '<svg viewBox="0 0 24 24" width="20" height="18" aria-hidden="true"><text x="12" y="16" font-size="11" font-weight="700" text-anchor="middle" fill="currentColor" font-family="sans-serif">km</text></svg>'
  };

  function button(bar, name, title, onClick) {
    var a = L.DomUtil.create('a', 'kp-btn kp-btn-' + name, bar);
    a.href = '#'; a.title = title; a.setAttribute('role', 'button'); a.setAttribute('aria-label', title);
    a.innerHTML = ICONS[name];  // constant SVG of ours, no user text
    L.DomEvent.disableClickPropagation(a);
    L.DomEvent.on(a, 'click', function (e) { L.DomEvent.preventDefault(e); onClick(a); });
    return a;
  }

  var ToolsControl = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function (map) {
      var bar = L.DomUtil.create('div', 'leaflet-bar kp-tools');
      button(bar, 'fullscreen', 'Full screen', function (a) { toggleFullscreen(map, a); });
      button(bar, 'locate', 'Show my position', function (a) { locate(map, a); });
      button(bar, 'measure', 'Measure a distance along the route (tap two points; tap here again to stop)',
        function (a) { toggleMeasure(map, a); });
      if (K.route) { button(bar, 'gokm', 'Go to a road km', function (a) { toggleGoKm(map, a); }); }
      return bar;
    }
  });

  function toggleFullscreen(map, a) {
    var box = map.getContainer();
    var fsEl = document.fullscreenElement || document.webkitFullscreenElement;
    if (fsEl) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (L.DomUtil.hasClass(box, 'kp-pseudo-fs')) {
      L.DomUtil.removeClass(box, 'kp-pseudo-fs'); L.DomUtil.removeClass(a, 'kp-on');
    } else {
      var req = box.requestFullscreen || box.webkitRequestFullscreen;
      var pseudo = function () { L.DomUtil.addClass(box, 'kp-pseudo-fs'); L.DomUtil.addClass(a, 'kp-on'); };
      if (req) {
        try {
          var pr = req.call(box);
          if (pr && pr.catch) { pr.catch(pseudo); }
        } catch (e) { pseudo(); }
      } else { pseudo(); }  // iPhone Safari: no element full screen
    }
    setTimeout(function () { map.invalidateSize(); }, 200);
  }
  document.addEventListener('fullscreenchange', function () {
    if (!K.map) { return; }
    var on = !!document.fullscreenElement;
    var a = K.map.getContainer().querySelector('.kp-btn-fullscreen');
    if (a) { L.DomUtil[on ? 'addClass' : 'removeClass'](a, 'kp-on'); }
    K.fullscreen = on;
    K.map.invalidateSize();
  });

  function toast(map, text) {
    var box = map.getContainer().querySelector('.kp-toast');
    if (!box) { box = el('div', 'kp-toast', null, map.getContainer()); }
    box.textContent = text; box.style.display = 'block';
    clearTimeout(K._toastTimer);
    K._toastTimer = setTimeout(function () { box.style.display = 'none'; }, 6000);
  }
  K.toast = function (text) { toast(K.map, text); };

  /** Show my position; with a route, follow it (watch) and keep the riding panel up to date. */
  function locate(map, a) {
    if (K.tracking) {
      map.stopLocate(); K.tracking = false; clearInterval(K._poll);
      L.DomUtil.removeClass(a, 'kp-on'); L.DomUtil.removeClass(a, 'kp-busy');
      return;
    }
    if (!K._locLayer) { K._locLayer = L.layerGroup().addTo(map); }
    K.tracking = true; K._firstFix = true;
    L.DomUtil.addClass(a, 'kp-busy');
    map.off('locationfound', K._onFix); map.off('locationerror', K._onFixError);
    K._onFix = function (e) {
      L.DomUtil.removeClass(a, 'kp-busy'); L.DomUtil.addClass(a, 'kp-on');
      K._locLayer.clearLayers();
      L.circle(e.latlng, {radius: e.accuracy, color: '#1976d2', weight: 1, fillOpacity: 0.12, interactive: false})
        .addTo(K._locLayer);
      L.circleMarker(e.latlng, {radius: 7, color: '#fff', weight: 3, fillColor: '#1976d2', fillOpacity: 1, interactive: false})
        .bindTooltip('You are here (± ' + Math.round(e.accuracy) + ' m)').addTo(K._locLayer);
      K.located = e.latlng;
      if (K.route) { K.showWhere(e.latlng.lat, e.latlng.lng, 'gps'); }
      if (K._firstFix) { K._firstFix = false; map.setView(e.latlng, Math.max(map.getZoom(), 12), {animate: false}); }
      else if (!map.getBounds().pad(-0.2).contains(e.latlng)) { map.panTo(e.latlng); }
    };
    K._onFixError = function (e) {
      toast(map, 'Position not available: ' + (e.message || 'no permission or no GPS fix'));
      if (K.located && e.code !== 1) { return; }  // a lost fix while riding: keep following
      L.DomUtil.removeClass(a, 'kp-busy'); L.DomUtil.removeClass(a, 'kp-on');
      K.tracking = false; map.stopLocate(); clearInterval(K._poll);
    };
    map.on('locationfound', K._onFix);
    map.on('locationerror', K._onFixError);
    map.locate({watch: true, setView: false, enableHighAccuracy: true, timeout: 20000, maximumAge: 5000});
    // some browsers deliver watch updates only on movement events: ask again every 5 s as well
    clearInterval(K._poll);
    K._poll = setInterval(function () {
      if (!K.tracking || !navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        if (K.tracking) {
          K._onFix({latlng: L.latLng(pos.coords.latitude, pos.coords.longitude), accuracy: pos.coords.accuracy});
        }
      }, function () { /* the watch reports errors */ }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
    }, 5000);
  }

  /** Measure: along the route (road km between points snapped on it) or as the crow flies. */
  function toggleMeasure(map, a) {
    if (K.measuring) {
      K.measuring = false;
      L.DomUtil.removeClass(a, 'kp-on');
      L.DomUtil.removeClass(map.getContainer(), 'kp-measuring');
      map.doubleClickZoom.enable();
      if (K._measure) { map.removeLayer(K._measure.group); K._measure = null; }
      if (K._measureBox) { K._measureBox.remove(); K._measureBox = null; }
      K.layout();
      return;
    }
    K.measuring = true;
    K.measureMode = K.measureMode || (K.route ? 'route' : 'straight');
    L.DomUtil.addClass(a, 'kp-on');
    L.DomUtil.addClass(map.getContainer(), 'kp-measuring');
    map.doubleClickZoom.disable();
    map.closePopup();
    K._measureBox = new MeasureControl().addTo(map);
    resetMeasure(map);
    K._measureClick = function (e) {
      var m = K._measure, pts = m.points, ll = e.latlng;
      if (K.measureMode === 'route') {
        var w = K.route.locate(ll.lat, ll.lng);
        ll = L.latLng(w.lat, w.lon);
        if (m.snaps.length) {
          var prev = m.snaps[m.snaps.length - 1];
          m.km += Math.abs(w.km - prev.km);
          L.polyline(K.route.between(prev.along, w.along), {color: '#d81b60', weight: 6, opacity: 0.8,
            interactive: false}).addTo(m.group);
        }
        m.snaps.push(w);
      } else if (pts.length) { m.km += map.distance(pts[pts.length - 1], ll) / 1000; }
      pts.push(ll);
      if (K.measureMode !== 'route') { m.line.setLatLngs(pts); }
      L.circleMarker(ll, {radius: 4, color: '#d81b60', fillColor: '#fff', fillOpacity: 1, weight: 2,
        interactive: false}).addTo(m.group);
      var label = (m.km < 10 ? m.km.toFixed(2) : m.km.toFixed(1)) + ' km' +
        (K.measureMode === 'route' ? ' along the route (road km)' : ' straight line');
      if (!m.tip) {
        m.tip = L.tooltip({permanent: true, direction: 'right', className: 'kp-measure-tip', offset: [8, 0]})
          .setLatLng(ll).setContent(label);
        m.group.addLayer(m.tip);
      } else { m.tip.setLatLng(ll).setContent(label); }
      K.measuredKm = m.km;
    };
  }
  function resetMeasure(map) {
    if (K._measure) {
      if (K._measure.tip) { K._measure.group.removeLayer(K._measure.tip); }
      map.removeLayer(K._measure.group);
    }
    Array.prototype.forEach.call(map.getContainer().querySelectorAll('.kp-measure-tip'), function (t) { t.remove(); });
    var g = L.layerGroup().addTo(map);
    var line = L.polyline([], {color: '#d81b60', weight: 3, dashArray: '6 6', interactive: false}).addTo(g);
    K._measure = {group: g, line: line, points: [], snaps: [], km: 0};
    K.measuredKm = 0;
  }
  var MeasureControl = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function (map) {
      var box = L.DomUtil.create('div', 'kp-measure-box');
      [['route', 'Along the route'], ['straight', 'Straight line']].forEach(function (m) {
        if (m[0] === 'route' && !K.route) { return; }
        var b = el('button', 'kp-measure-mode kp-mode-' + m[0] + (K.measureMode === m[0] ? ' kp-on' : ''), m[1], box);
        b.type = 'button';
        L.DomEvent.on(b, 'click', function () {
          K.measureMode = m[0]; resetMeasure(map);
          Array.prototype.forEach.call(box.querySelectorAll('.kp-measure-mode'), function (x) { L.DomUtil.removeClass(x, 'kp-on'); });
          L.DomUtil.addClass(b, 'kp-on');
        });
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    }
  });

  /** "Go to km": centre the map on a typed road km. */
  function toggleGoKm(map, a) {
    if (K._goBox) { K._goBox.remove(); K._goBox = null; L.DomUtil.removeClass(a, 'kp-on'); K.layout(); return; }
    L.DomUtil.addClass(a, 'kp-on');
    K._goBox = new GoKmControl().addTo(map);
    var input = K._goBox.getContainer().querySelector('input');
    if (input) { input.focus(); }
    K.layout();
  }
  K.goToKm = function (km) {
    var a = K.route ? K.route.alongOfKm(km) : null;
    if (a === null || isNaN(km)) {
      var lo = K.route.km(0), hi = K.route.km(K.route.c.length_m);
      toast(K.map, 'km ' + km + ' is not on this route (km ' + Math.min(lo, hi).toFixed(0) + '–' + Math.max(lo, hi).toFixed(0) + ')');
      return null;
    }
    var ll = K.route.pointAt(a);
    K.map.setView(ll, Math.max(K.map.getZoom(), 12), {animate: false});
    if (!K._goMark) {
      K._goMark = L.circleMarker(ll, {radius: 8, color: '#d81b60', weight: 3, fill: false, interactive: false});
    }
    K._goMark.setLatLng(ll).addTo(K.map);
    K.showWhere(ll[0], ll[1], 'km');
    return ll;
  };
  var GoKmControl = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var form = L.DomUtil.create('form', 'kp-gokm');
      var input = el('input', null, null, form);
      input.type = 'number'; input.step = 'any'; input.placeholder = 'road km'; input.setAttribute('aria-label', 'road km');
      input.inputMode = 'decimal';
      var go = el('button', null, 'Go', form); go.type = 'submit';
      L.DomEvent.disableClickPropagation(form);
      L.DomEvent.on(form, 'submit', function (e) { L.DomEvent.preventDefault(e); K.goToKm(parseFloat(input.value)); });
      return form;
    }
  });

  /** The schematic / information banner: a strip across the top, above every control. On a
   *  phone it starts as one line (tap to read it all). */
  function addBanner(map, text) {
    var box = el('div', 'kp-notice' + (K.phone() ? ' kp-notice-min' : ''), null, map.getContainer());
    box.setAttribute('role', 'status');
    el('span', 'kp-notice-icon', '!', box);
    el('span', 'kp-notice-text', text, box);
    var x = el('button', 'kp-notice-close', '×', box);
    x.title = 'Shorten this notice'; x.type = 'button';
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    L.DomEvent.on(box, 'click', function (e) {
      if (e.target === x || x.contains(e.target)) { L.DomUtil.addClass(box, 'kp-notice-min'); }
      else { L.DomUtil.removeClass(box, 'kp-notice-min'); }
      K.layout();
    });
    K.banner = box;
  }

  /** Collapsible "Route info" panel: text lines (textContent only) and the elevation profile image. */
  var InfoControl = L.Control.extend({
    options: {position: 'topright'},
    onAdd: function () {
      var box = L.DomUtil.create('div', 'kp-info kp-info-min');
      var head = el('button', 'kp-info-head', 'Route info', box);
      head.type = 'button';
      var body = el('div', 'kp-info-body', null, box);
      var prof = this.options.profile;
      if (typeof prof === 'string' && prof.indexOf('data:image/svg+xml;base64,') === 0) {
        var img = el('img', 'kp-info-profile', null, body);
        img.alt = 'Elevation profile';
        img.src = prof;  // an SVG image cannot run scripts
      }
      (this.options.lines || []).forEach(function (line) { el('p', 'kp-info-line', line, body); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      L.DomEvent.on(head, 'click', function () { toggleBox(box, 'kp-info-min'); });
      return box;
    }
  });

  function toggleBox(box, cls, open) {
    var isOpen = !L.DomUtil.hasClass(box, cls);
    if (open === undefined) { open = !isOpen; }
    L.DomUtil[open ? 'removeClass' : 'addClass'](box, cls);
    if (open && K.phone()) { K.map.closePopup(); }
    K.layout();
  }
  function collapsePanels() {
    var leg = K.map.getContainer().querySelector('.kp-legend');
    if (leg) { L.DomUtil.addClass(leg, 'kp-collapsed'); }
    var inf = K.map.getContainer().querySelector('.kp-info');
    if (inf) { L.DomUtil.addClass(inf, 'kp-info-min'); }
  }

  function swatch(item, parent) {
    var s = el('span', 'kp-sw kp-sw-' + item.shape, null, parent), d = item.def;
    if (item.shape === 'l') {
      s.style.borderTopColor = d.color;
      s.style.borderTopWidth = Math.min(d.weight || 4, 6) + 'px';
      s.style.borderTopStyle = d.dash ? (/^1 /.test(d.dash) ? 'dotted' : 'dashed') : 'solid';
    } else if (item.shape === 'km') {
      s.textContent = '100';
    } else {
      s.style.background = d.fill || d.color;
      s.style.borderColor = d.color;
      if (d.dash) { s.style.borderStyle = 'dashed'; }
      if (d.weight && d.weight > 2) { s.style.borderWidth = Math.min(d.weight, 4) + 'px'; }
    }
    s.setAttribute('data-sig', item.sig || '');
    return s;
  }

  var LegendControl = L.Control.extend({
    options: {position: 'topright'},
    onAdd: function () {
      var box = L.DomUtil.create('div', 'kp-legend');
      var head = el('button', 'kp-legend-head', 'Legend', box);
      head.type = 'button';
      var body = el('div', 'kp-legend-body', null, box);
      if (this.options.title) { el('div', 'kp-legend-title', this.options.title, body); }
      var last = null;
      K.legendItems.forEach(function (item) {
        if (item.layer !== last) { el('div', 'kp-legend-layer', K.labels[item.layer], body); last = item.layer; }
        var row = el('div', 'kp-legend-row', null, body);
        swatch(item, row);
        el('span', 'kp-legend-label', item.label, row);
      });
      if (K.phone()) { L.DomUtil.addClass(box, 'kp-collapsed'); }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      L.DomEvent.on(head, 'click', function () { toggleBox(box, 'kp-collapsed'); });
      return box;
    }
  });

  // ------------------------------------------------------------------ layout
  K.phone = function () { return window.innerWidth < 700 || window.innerHeight < 600; };
  /** Keep the banner, the controls and the riding panel apart: the top corners start under the
   *  banner, the bottom corners above the panel. */
  K.layout = function () {
    var map = K.map; if (!map) { return; }
    var c = map._controlCorners;
    K.bannerH = K.banner ? K.banner.getBoundingClientRect().height : 0;
    c.topleft.style.top = c.topright.style.top = K.bannerH + 'px';
    var ph = (K.panel && K.panel.style.display !== 'none') ? K.panel.getBoundingClientRect().height : 0;
    c.bottomleft.style.bottom = c.bottomright.style.bottom = ph + 'px';
    var box = map.getContainer().getBoundingClientRect();
    var maxH = box.height - K.bannerH - ph - 20;
    Array.prototype.forEach.call(map.getContainer().querySelectorAll('.kp-legend, .kp-info'), function (b) {
      b.style.maxHeight = Math.max(120, maxH - (b.getBoundingClientRect().top - box.top - K.bannerH)) + 'px';
    });
  };
  /** Padding for fitBounds so that the route opens clear of the controls (an open legend). */
  function viewPadding() {
    var room = popupRoom();
    // a phone is narrow: the small buttons at the sides may sit over the route, not the bands above/below
    var l = K.phone() ? 10 : room.tl[0] + 8, r = K.phone() ? 10 : room.br[0] + 8;
    return {paddingTopLeft: [l, room.tl[1] + 8], paddingBottomRight: [r, room.br[1] + 8]};
  }

  // ------------------------------------------------------------------ life cycle
  /** Called right after L.map(): page title, attribution, notice, tools, LOD updates. */
  K.init = function (map, cfg) {
    K.map = map; K.cfg = cfg;
    K.setKinds(cfg.kinds);
    map.setMaxZoom(cfg.maxZoom || 18);
    var kmPane = map.createPane('kpKm');
    kmPane.style.zIndex = 450;  // above the vector pane (400), below tooltips and popups
    kmPane.style.pointerEvents = 'none';
    map.attributionControl.setPrefix(false);
    if (cfg.attribution) {
      // addAttribution takes HTML: pass the text escaped.
      var tmp = el('span', null, cfg.attribution);
      map.attributionControl.addAttribution(tmp.innerHTML);
    }
    map.attributionControl.addAttribution('Leaflet');
    L.control.scale({position: 'bottomleft', imperial: false, maxWidth: 90}).addTo(map);
    if (cfg.companion && cfg.companion.lon && cfg.companion.lon.length > 1) { K.route = new Route(cfg.companion); }
    if (cfg.notice) { addBanner(map, cfg.notice); }
    new ToolsControl().addTo(map);
    K.panel = el('div', 'kp-where', null, map.getContainer());
    K.panel.style.display = 'none';
    K.panel.setAttribute('role', 'status');
    L.DomEvent.disableClickPropagation(K.panel);
    L.DomEvent.disableScrollPropagation(K.panel);
    map.on('zoomend', function () { K.lodLines.forEach(updateLod); });
    map.on('popupopen', function () { if (K.measuring) { map.closePopup(); } });
    map.on('click', K.pick);
    map.on('resize', K.layout);
  };

  /** Called after the layer control: legend, saved base layer, initial view. */
  K.finish = function (map, cfg) {
    new LegendControl({title: cfg.title}).addTo(map);
    if ((cfg.info && cfg.info.length) || cfg.profile) {
      K.info = new InfoControl({lines: cfg.info, profile: cfg.profile}).addTo(map);
    }
    restoreBase(map);
    K.layout();
    if (cfg.bounds) { map.fitBounds(cfg.bounds, L.extend({animate: false}, viewPadding())); }
    K.ready = true;
  };
})();
