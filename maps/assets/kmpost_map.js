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

  function humanKind(kind) {
    var s = KIND_STYLE[kind];
    if (s && s.label && s.shape === 'p') { return s.label; }
    kind = String(kind || '').replace(/_/g, ' ');
    return kind.charAt(0).toUpperCase() + kind.slice(1);
  }

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
  // shape: p = point (circle marker), l = line, a = area. Colours are colour-blind aware-ish and
  // readable on both the plain background and OSM tiles.
  var KIND_STYLE = {
    route:                {shape: 'l', color: '#37474f', weight: 3, label: 'Route'},
    route_schematic:      {shape: 'l', color: '#78909c', weight: 3, dash: '8 8',
                           label: 'Route (schematic: straight lines between places)'},
    km_marker:            {shape: 'p', color: '#37474f', fill: '#ffffff', label: 'Km marker'},
    checkpoint:           {shape: 'p', color: '#7f0000', fill: '#e53935', radius: 7, label: 'Checkpoint'},
    police:               {shape: 'p', color: '#7f0000', fill: '#ef9a9a', radius: 6, label: 'Police'},
    camping:              {shape: 'p', color: '#1b5e20', fill: '#43a047', radius: 6, label: 'Camping spot'},
    camping_zone:         {shape: 'a', color: '#2e7d32', fill: '#66bb6a', weight: 2, label: 'Camping zone'},
    no_camping:           {shape: 'a', color: '#b71c1c', fill: '#ef5350', weight: 2, dash: '4 4', label: 'No camping'},
    highway:              {shape: 'l', color: '#1565c0', weight: 5, offset: 4, label: 'New highway'},
    highway_open:         {shape: 'l', color: '#1565c0', weight: 5, offset: 4, label: 'New highway (open)'},
    highway_built_closed: {shape: 'l', color: '#1565c0', weight: 4, offset: 4, dash: '10 8', opacity: 0.85,
                           label: 'New highway (built, not open)'},
    old_road:             {shape: 'l', color: '#6d4c41', weight: 4, offset: -4, label: 'Old road'},
    resurfacing:          {shape: 'l', color: '#ff6f00', weight: 6, offset: -4, dash: '12 6',
                           label: 'Old road: resurfacing (rough, warning)'},
    parallel:             {shape: 'l', color: '#5c6bc0', weight: 4, label: 'Parallel roads'},
    downhill:             {shape: 'p', color: '#4a148c', fill: '#ab47bc', radius: 6, label: 'Downhill'},
    uphill:               {shape: 'p', color: '#3e2723', fill: '#a1887f', radius: 6, label: 'Uphill'},
    turn_off:             {shape: 'p', color: '#004d40', fill: '#26a69a', radius: 6, label: 'Turn-off'},
    junction:             {shape: 'p', color: '#004d40', fill: '#80cbc4', radius: 5, label: 'Junction'},
    sign:                 {shape: 'p', color: '#424242', fill: '#bdbdbd', radius: 5, label: 'Sign'},
    water:                {shape: 'p', color: '#0d47a1', fill: '#42a5f5', radius: 6, label: 'Water'},
    food:                 {shape: 'p', color: '#e65100', fill: '#ffb74d', radius: 6, label: 'Food / shop'},
    shop:                 {shape: 'p', color: '#e65100', fill: '#ffb74d', radius: 6, label: 'Shop'},
    hotel:                {shape: 'p', color: '#880e4f', fill: '#f06292', radius: 6, label: 'Hotel'},
    fuel:                 {shape: 'p', color: '#263238', fill: '#ffee58', radius: 6, label: 'Fuel station'},
    construction:         {shape: 'p', color: '#e65100', fill: '#ffcc80', radius: 6, label: 'Construction'},
    city:                 {shape: 'p', color: '#212121', fill: '#ffffff', radius: 8, weight: 3, label: 'City'},
    town:                 {shape: 'p', color: '#212121', fill: '#ffffff', radius: 7, weight: 2, label: 'Town'},
    village:              {shape: 'p', color: '#424242', fill: '#eeeeee', radius: 5, label: 'Village'},
    border:               {shape: 'p', color: '#000000', fill: '#ffd54f', radius: 7, label: 'Border'},
    pass:                 {shape: 'p', color: '#3e2723', fill: '#d7ccc8', radius: 6, label: 'Pass'},
    restricted:           {shape: 'p', color: '#c62828', fill: '#ffffff', radius: 8, weight: 4, dash: '3 3',
                           label: 'Restricted town (foreigners)'},
    site:                 {shape: 'p', color: '#4e342e', fill: '#bcaaa4', radius: 5, label: 'Site'},
    lake:                 {shape: 'p', color: '#01579b', fill: '#81d4fa', radius: 5, label: 'Lake'},
    park:                 {shape: 'p', color: '#1b5e20', fill: '#a5d6a7', radius: 6, label: 'Nature park / reserve'},
    toilet:               {shape: 'p', color: '#37474f', fill: '#b0bec5', radius: 5, label: 'Toilet'},
    hazard:               {shape: 'p', color: '#b71c1c', fill: '#ffeb3b', radius: 7, weight: 3, label: 'Hazard'},
    climb:                {shape: 'p', color: '#3e2723', fill: '#a1887f', radius: 6, label: 'Climb'},
    bridge:               {shape: 'p', color: '#37474f', fill: '#90a4ae', radius: 5, label: 'Bridge'},
    info:                 {shape: 'p', color: '#0d47a1', fill: '#e3f2fd', radius: 5, label: 'Information'},
    transport:            {shape: 'p', color: '#4a148c', fill: '#e1bee7', radius: 6, label: 'Transport'},
    crossover:            {shape: 'p', color: '#0d47a1', fill: '#ffe082', radius: 6, label: 'Crossover (highway / old road)'},
    highway_start:        {shape: 'p', color: '#0d47a1', fill: '#64b5f6', radius: 6, label: 'Highway starts'},
    highway_end:          {shape: 'p', color: '#0d47a1', fill: '#ffffff', radius: 6, label: 'Highway ends'},
    parallel_start:       {shape: 'p', color: '#283593', fill: '#9fa8da', radius: 6, label: 'Parallel roads start'},
    resurfacing_start:    {shape: 'p', color: '#e65100', fill: '#ffa726', radius: 6, label: 'Resurfacing starts'},
    anchor:               {shape: 'p', color: '#000000', fill: '#fdd835', radius: 5, label: 'Km anchor (calibration)'},
    border_crossing:      {shape: 'p', color: '#000000', fill: '#ffd54f', radius: 7, weight: 3, label: 'Border crossing'},
    border_point:         {shape: 'p', color: '#000000', fill: '#fff59d', radius: 5, label: 'Border point'},
    crossing:             {shape: 'p', color: '#000000', fill: '#ffd54f', radius: 6, label: 'Border crossing'},
    // layer-specific kinds: "<layer>:<kind>"
    'transport:train':       {shape: 'l', color: '#37474f', weight: 2, opacity: 0.7, dash: '12 4', label: 'Train'},
    'transport:bus':         {shape: 'l', color: '#00897b', weight: 2, opacity: 0.7, dash: '6 5', label: 'Bus'},
    'transport:taxi':        {shape: 'l', color: '#f9a825', weight: 2, opacity: 0.7, dash: '3 5', label: 'Taxi'},
    'transport:shared_taxi': {shape: 'l', color: '#ef6c00', weight: 2, opacity: 0.7, dash: '3 5', label: 'Shared taxi'},
    'restrictions:no_overnight_foreigners':    {shape: 'p', color: '#b71c1c', fill: '#ffcdd2', radius: 5, weight: 3,
                                                label: 'No overnight stay for foreigners'},
    'restrictions:no_foreigners_accommodation': {shape: 'p', color: '#b71c1c', fill: '#ef9a9a', radius: 5, weight: 3,
                                                label: 'No accommodation for foreigners'},
    'restrictions:closed_site':         {shape: 'p', color: '#212121', fill: '#e57373', radius: 5, label: 'Closed site'},
    'restrictions:no_photos':           {shape: 'p', color: '#4a148c', fill: '#ce93d8', radius: 5, label: 'No photos'},
    'restrictions:police_registration': {shape: 'p', color: '#7f0000', fill: '#ef9a9a', radius: 5, label: 'Police registration'},
    'restrictions:health_check':        {shape: 'p', color: '#0d47a1', fill: '#ffffff', radius: 5, label: 'Health check'},
    'restrictions:permit':              {shape: 'p', color: '#e65100', fill: '#ffe0b2', radius: 5, label: 'Permit needed'},
    'restrictions:other':               {shape: 'p', color: '#4e342e', fill: '#d7ccc8', radius: 5, label: 'Other restriction'}
  };
  K.KIND_STYLE = KIND_STYLE;
  var PALETTE = ['#5e35b1', '#00897b', '#c0ca33', '#8e24aa', '#f4511e', '#3949ab', '#6d4c41'];

  function isRestricted(p) {
    if (p.restricted === false || p.restricted === 'false') { return false; }
    var r = p.restricted;
    if (r === true || r === 'true' || r === 'yes' || r === 1) { return true; }
    return /restrict/i.test(String(p.kind || '')) || (typeof r === 'string' && r.length > 0 && r !== 'false' && r !== 'no');
  }

  // line styles for kinds that are also point kinds (stretches: downhill from km a to km b ...)
  var LINE_STYLE = {
    downhill:     {shape: 'l', color: '#8e24aa', weight: 5, label: 'Downhill stretch'},
    climb:        {shape: 'l', color: '#6d4c41', weight: 5, label: 'Climb'},
    no_services:  {shape: 'l', color: '#607d8b', weight: 6, dash: '2 8', label: 'No services (food, water, toilet)'},
    hazard:       {shape: 'l', color: '#d50000', weight: 5, dash: '6 6', label: 'Dangerous stretch'},
    camping_zone: {shape: 'l', color: '#43a047', weight: 9, opacity: 0.45, label: 'Camping zone'},
    camping:      {shape: 'l', color: '#43a047', weight: 9, opacity: 0.45, label: 'Camping zone'}
  };
  var PATTERNS = [[/resurf/, 'resurfacing'], [/built.*clos|not.?open/, 'highway_built_closed'],
    [/highway/, 'highway'], [/old.?road/, 'old_road'], [/no.?camp/, 'no_camping'],
    [/camp/, 'camping'], [/check|police/, 'checkpoint'], [/down/, 'downhill'], [/turn/, 'turn_off'],
    [/hazard|danger/, 'hazard'], [/climb|uphill/, 'climb']];

  function parallelKey(kind, p) {
    if (p.role === 'old_road') { return kind === 'resurfacing' || p.status === 'resurfacing' ? 'resurfacing' : 'old_road'; }
    if (p.status === 'built_not_open' || kind === 'highway_built_closed') { return 'highway_built_closed'; }
    if (p.status === 'open' || kind === 'highway_open') { return 'highway_open'; }
    return 'highway';
  }

  /** Style of a feature from its layer, kind, role/status/restriction and shape (p, l, a). */
  function styleOf(layerId, p) {
    var kind = String(p.kind || layerId), shape = p._shape || 'p', key = null, s = null;
    if (layerId === 'route') { key = p.schematic ? 'route_schematic' : 'route'; }
    else if (layerId === 'places' && isRestricted(p)) { key = 'restricted'; }
    else if (shape === 'l' && (layerId === 'parallels' || p.role === 'highway' || p.role === 'old_road')) {
      key = parallelKey(kind, p);
    } else if (shape === 'l' && LINE_STYLE[kind]) { s = LINE_STYLE[kind]; key = kind + ':l'; }
    else if (shape === 'a' && /camp/.test(kind)) { key = /no.?camp/.test(kind) ? 'no_camping' : 'camping_zone'; }
    else if (KIND_STYLE[layerId + ':' + kind]) { key = layerId + ':' + kind; }
    else if (KIND_STYLE[kind]) { key = kind; }
    else {
      for (var i = 0; i < PATTERNS.length; i++) {
        if (PATTERNS[i][0].test(kind)) { key = PATTERNS[i][1]; break; }
      }
    }
    if (!s && key) { s = KIND_STYLE[key]; }
    if (s && s.shape !== shape && !(s.shape === 'a' && shape === 'l')) {
      // a point kind drawn as a line (or the reverse): keep the colour, change the shape
      var c = s.shape === 'p' ? (s.fill || s.color) : s.color;
      s = {shape: shape, color: shape === 'p' ? s.color : c, fill: c, weight: shape === 'p' ? 2 : 4,
           dash: s.dash, radius: 6, label: humanKind(kind)};
      key = kind + ':' + shape;
    }
    if (!s) {
      var h = 0;
      for (var j = 0; j < kind.length; j++) { h = (h * 31 + kind.charCodeAt(j)) >>> 0; }
      var col = PALETTE[h % PALETTE.length];
      s = {shape: shape, color: col, fill: col, radius: 5, label: humanKind(kind)};
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

  function bindInfo(layer, layerId, p) {
    layer.bindPopup(function () { return popupContent(layerId, p); }, {maxWidth: 320, autoPanPadding: [20, 20]});
    layer.bindTooltip(function () { return tooltipContent(layerId, p); }, {sticky: true, direction: 'top', opacity: 0.95});
    layer.kpProps = p;
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
  function addLegend(layerId, st, shape) {
    for (var i = 0; i < K.legendItems.length; i++) {
      if (K.legendItems[i].key === st.key && K.legendItems[i].layer === layerId) { return; }
    }
    K.legendItems.push({layer: layerId, key: st.key, label: st.def.label, shape: shape, def: st.def});
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
      var st = styleOf(layerId, p);
      var line = makeLodLine(p._lod, pathOptions(st, 'l'));
      bindInfo(line, layerId, p);
      addLegend(layerId, st, 'l');
      group.addLayer(line);
    });
    if (points.length) {
      L.geoJSON({type: 'FeatureCollection', features: points}, {
        pointToLayer: function (f, ll) {
          f.properties._shape = 'p';
          var st = styleOf(layerId, f.properties);
          addLegend(layerId, st, 'p');
          return L.circleMarker(ll, pathOptions(st, 'p'));
        },
        style: function (f) {
          if (f.geometry.type === 'Point' || f.geometry.type === 'MultiPoint') { return {}; }
          var shape = /Polygon/.test(f.geometry.type) ? 'a' : 'l';
          f.properties._shape = shape;
          var st = styleOf(layerId, f.properties);
          addLegend(layerId, st, shape);
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
    addLegend(layerId, {key: 'km_marker', def: KIND_STYLE.km_marker}, 'km');
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

  // ------------------------------------------------------------------ controls
  var ICONS = {
    fullscreen: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6" fill="none" stroke="currentColor" stroke-width="2.4"/></svg>',
    locate: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="12" cy="12" r="6" fill="none" stroke="currentColor" stroke-width="2.2"/><circle cx="12" cy="12" r="2.2" fill="currentColor"/><path d="M12 1v5M12 18v5M1 12h5M18 12h5" stroke="currentColor" stroke-width="2.2"/></svg>',
    measure: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M2 16 16 2l6 6L8 22z" fill="none" stroke="currentColor" stroke-width="2"/><path d="M6 12l2 2M9 9l3 3M12 6l2 2" stroke="currentColor" stroke-width="2"/></svg>'
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
      button(bar, 'measure', 'Measure a distance (click points on the map; click here again to stop)',
        function (a) { toggleMeasure(map, a); });
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

  function locate(map, a) {
    if (!K._locLayer) { K._locLayer = L.layerGroup().addTo(map); }
    L.DomUtil.addClass(a, 'kp-busy');
    map.once('locationfound', function (e) {
      L.DomUtil.removeClass(a, 'kp-busy');
      K._locLayer.clearLayers();
      L.circle(e.latlng, {radius: e.accuracy, color: '#1976d2', weight: 1, fillOpacity: 0.12, interactive: false})
        .addTo(K._locLayer);
      L.circleMarker(e.latlng, {radius: 7, color: '#fff', weight: 3, fillColor: '#1976d2', fillOpacity: 1})
        .bindTooltip('You are here (± ' + Math.round(e.accuracy) + ' m)').addTo(K._locLayer);
      K.located = e.latlng;
    });
    map.once('locationerror', function (e) {
      L.DomUtil.removeClass(a, 'kp-busy');
      toast(map, 'Position not available: ' + (e.message || 'no permission or no GPS fix'));
    });
    map.locate({setView: true, maxZoom: 13, enableHighAccuracy: true, timeout: 20000});
  }

  function toggleMeasure(map, a) {
    if (K.measuring) {
      K.measuring = false;
      L.DomUtil.removeClass(a, 'kp-on');
      L.DomUtil.removeClass(map.getContainer(), 'kp-measuring');
      map.off('click', K._measureClick);
      map.doubleClickZoom.enable();
      if (K._measure) { map.removeLayer(K._measure.group); K._measure = null; }
      return;
    }
    K.measuring = true;
    L.DomUtil.addClass(a, 'kp-on');
    L.DomUtil.addClass(map.getContainer(), 'kp-measuring');
    map.doubleClickZoom.disable();
    map.closePopup();
    var group = L.layerGroup().addTo(map);
    var line = L.polyline([], {color: '#d81b60', weight: 3, dashArray: '6 6', interactive: false}).addTo(group);
    K._measure = {group: group, line: line, points: [], km: 0};
    K._measureClick = function (e) {
      var m = K._measure, pts = m.points;
      if (pts.length) { m.km += map.distance(pts[pts.length - 1], e.latlng) / 1000; }
      pts.push(e.latlng);
      line.setLatLngs(pts);
      L.circleMarker(e.latlng, {radius: 4, color: '#d81b60', fillColor: '#fff', fillOpacity: 1, weight: 2,
        interactive: false}).addTo(group);
      var label = (m.km < 10 ? m.km.toFixed(2) : m.km.toFixed(1)) + ' km';
      if (!m.tip) {
        m.tip = L.tooltip({permanent: true, direction: 'right', className: 'kp-measure-tip', offset: [8, 0]});
        m.tip.setLatLng(e.latlng).setContent(label);
        group.addLayer(m.tip);
      } else {
        m.tip.setLatLng(e.latlng).setContent(label);
      }
      K.measuredKm = m.km;
    };
    map.on('click', K._measureClick);
  }

  var NoticeControl = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var box = L.DomUtil.create('div', 'kp-notice');
      box.setAttribute('role', 'status');
      el('span', 'kp-notice-icon', '!', box);
      el('span', 'kp-notice-text', this.options.text, box);
      var x = el('button', 'kp-notice-close', '×', box);
      x.title = 'Hide this notice'; x.type = 'button';
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(x, 'click', function () { L.DomUtil.addClass(box, 'kp-notice-min'); });
      L.DomEvent.on(box, 'click', function (e) {
        if (e.target !== x) { L.DomUtil.removeClass(box, 'kp-notice-min'); }
      });
      return box;
    }
  });

  /** Collapsible "Route info" panel: text lines (textContent only) and the elevation profile image. */
  var InfoControl = L.Control.extend({
    options: {position: 'bottomleft'},
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
      L.DomEvent.on(head, 'click', function () {
        if (L.DomUtil.hasClass(box, 'kp-info-min')) { L.DomUtil.removeClass(box, 'kp-info-min'); }
        else { L.DomUtil.addClass(box, 'kp-info-min'); }
      });
      return box;
    }
  });

  function swatch(item, parent) {
    var s = el('span', 'kp-sw kp-sw-' + item.shape, null, parent), d = item.def;
    if (item.shape === 'l') {
      s.style.borderTopColor = d.color;
      s.style.borderTopWidth = Math.min(d.weight || 4, 6) + 'px';
      s.style.borderTopStyle = d.dash ? 'dashed' : 'solid';
    } else if (item.shape === 'km') {
      s.textContent = '100';
    } else {
      s.style.background = d.fill || d.color;
      s.style.borderColor = d.color;
      if (d.dash) { s.style.borderStyle = 'dashed'; }
      if (d.weight && d.weight > 2) { s.style.borderWidth = Math.min(d.weight, 4) + 'px'; }
    }
    return s;
  }

  var LegendControl = L.Control.extend({
    options: {position: 'bottomright'},
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
      if (window.innerWidth < 700 || window.innerHeight < 600) { L.DomUtil.addClass(box, 'kp-collapsed'); }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      L.DomEvent.on(head, 'click', function () {
        if (L.DomUtil.hasClass(box, 'kp-collapsed')) { L.DomUtil.removeClass(box, 'kp-collapsed'); }
        else { L.DomUtil.addClass(box, 'kp-collapsed'); }
      });
      return box;
    }
  });

  // ------------------------------------------------------------------ life cycle
  /** Called right after L.map(): page title, attribution, notice, tools, LOD updates. */
  K.init = function (map, cfg) {
    K.map = map; K.cfg = cfg;
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
    if (cfg.notice) { new NoticeControl({text: cfg.notice}).addTo(map); }
    new ToolsControl().addTo(map);
    if ((cfg.info && cfg.info.length) || cfg.profile) {
      K.info = new InfoControl({lines: cfg.info, profile: cfg.profile}).addTo(map);
    }
    map.on('zoomend', function () { K.lodLines.forEach(updateLod); });
    map.on('popupopen', function () { if (K.measuring) { map.closePopup(); } });
  };

  /** Called after the layer control: legend, saved base layer, initial view. */
  K.finish = function (map, cfg) {
    new LegendControl({title: cfg.title}).addTo(map);
    restoreBase(map);
    if (cfg.bounds) { map.fitBounds(cfg.bounds, {padding: [20, 20], animate: false}); }
    K.ready = true;
  };
})();
