// The map of the last 7 days: tracks as lines, places as dots. Leaflet from /static/leaflet; no tiles unless
// the operator configured a tile server (data-tiles), so nothing leaves this site by default.
(function () {
  'use strict';
  var el = document.getElementById('map');
  if (!el || typeof L === 'undefined') return;
  var caption = document.getElementById('map-caption');
  var map = L.map(el, { attributionControl: true, zoomControl: true }).setView([20, 0], 2);
  var tiles = el.getAttribute('data-tiles');
  if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var colours = { walking: '#0b6e4f', running: '#d9480f', cycling: '#1a5fd0', transport: '#6c757d' };

  function fmt(d) {
    return d ? d.slice(0, 4) + '-' + d.slice(4, 6) + '-' + d.slice(6, 8) : '';
  }

  var lastBounds = [];

  function fit() {
    if (lastBounds.length) map.fitBounds(lastBounds, { padding: [20, 20], maxZoom: 15 });
  }

  // A phone turned sideways (or a resized window): Leaflet must measure again, and the tracks should still fit.
  var resizing = null;
  window.addEventListener('resize', function () {
    if (resizing) window.clearTimeout(resizing);
    resizing = window.setTimeout(function () {
      resizing = null;
      map.invalidateSize();
      fit();
    }, 200);
  });

  function draw(data) {
    layer.clearLayers();
    var bounds = [];
    data.tracks.forEach(function (t) {
      L.polyline(t.points, { color: colours[t.activity] || '#7048e8', weight: 3, opacity: 0.8 })
        .bindTooltip(t.activity + ', ' + fmt(t.date))
        .addTo(layer);
      t.points.forEach(function (p) {
        bounds.push(p);
      });
    });
    data.places.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {
        radius: 6,
        color: '#1d2327',
        weight: 2,
        fillColor: '#ffd43b',
        fillOpacity: 1,
      })
        .bindTooltip(p.name)
        .addTo(layer);
      bounds.push([p.lat, p.lon]);
    });
    lastBounds = bounds;
    fit();
    caption.textContent = data.from
      ? data.tracks.length +
        ' tracks and ' +
        data.places.length +
        ' places from ' +
        fmt(data.from) +
        ' to ' +
        fmt(data.to) +
        '.'
      : 'No days with data yet: the map fills in as the import runs.';
    el.setAttribute('data-tracks', String(data.tracks.length));
  }

  function load() {
    fetch(el.getAttribute('data-src'), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (d) {
        if (d) draw(d);
      })
      .catch(function () {
        caption.textContent = 'The map could not be loaded.';
      });
  }
  load();
  var pending = null;
  document.addEventListener('ohmoves:data-changed', function () {
    if (pending) return;
    pending = window.setTimeout(function () {
      pending = null;
      load();
    }, 1000);
  });
})();
