// The map of a page (the dashboard's last 7 days or last day with data, or one day): tracks as lines coloured and dashed by activity,
// places as dots with the member's own place names as labels, a scale bar, and a text list of everything shown.
// Leaflet comes from /static/leaflet. Background tiles load only when the page carries a tile address, which it
// does only after the member agreed (and the page's Content-Security-Policy then allows that one server).
// Every name comes from Moves: it is put on the page as text (text nodes), never as HTML.
(function () {
  'use strict';
  var el = document.getElementById('map');
  if (!el || typeof L === 'undefined') return;
  var caption = document.getElementById('map-caption');
  var list = document.getElementById('map-list');
  var legend = document.getElementById('map-legend');

  var styles = {
    walking: { color: '#0b6e4f' },
    running: { color: '#c2410c' },
    cycling: { color: '#1a5fd0' },
    transport: { color: '#495057', dashArray: '8 6' },
    other: { color: '#7048e8', dashArray: '2 6' },
  };

  // One Tab stop: the map itself (Leaflet's keyboard handler: arrows pan, + and - zoom). The zoom buttons stay
  // for the mouse and touch but are taken out of the Tab order, since the keys do the same.
  // No view yet: the map is fitted to the data first, so the first tiles asked for are those of the data's area
  // (a whole-world view would fetch zoom-2 tiles nobody looks at).
  var map = L.map(el, { attributionControl: false, zoomControl: true, keyboard: true });
  Array.prototype.forEach.call(el.querySelectorAll('.leaflet-control-zoom a'), function (a) {
    a.setAttribute('tabindex', '-1');
  });
  L.control.scale({ position: 'bottomleft' }).addTo(map);

  function text(s) {
    var span = document.createElement('span');
    span.textContent = s;
    return span;
  }

  var background = window.ohMovesBackground(map, el);

  var layer = L.layerGroup().addTo(map);

  function day(d) {
    if (!d) return '';
    var date = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)));
    return date.toLocaleDateString('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      timeZone: 'UTC',
    });
  }

  var lastBounds = [];

  function fit() {
    if (lastBounds.length) map.fitBounds(lastBounds, { padding: [20, 20], maxZoom: 15 });
    else if (!map._loaded) map.setView([20, 0], 2);
    // Tiles only once the map has its view.
    background.show();
  }

  // Place labels: one that would overlap a label already shown, or stick out of the map, is hidden (its place
  // keeps its dot and its tooltip on hover, and the list below names it). Checked after every move and zoom.
  function tidyLabels() {
    var box = el.getBoundingClientRect();
    var shown = [];
    Array.prototype.forEach.call(el.querySelectorAll('.leaflet-tooltip.place-label'), function (label) {
      label.style.visibility = '';
      var r = label.getBoundingClientRect();
      var outside = r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom;
      var overlaps = shown.some(function (o) {
        return r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top;
      });
      if (outside || overlaps) label.style.visibility = 'hidden';
      else shown.push(r);
    });
  }
  map.on('zoomend moveend', tidyLabels);

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

  // Shapes are drawn for the eye and the pointer only: never focusable (the list below is their keyboard twin).
  function unfocusable(shape) {
    var node = shape.getElement && shape.getElement();
    if (node) {
      node.setAttribute('tabindex', '-1');
      node.setAttribute('aria-hidden', 'true');
    }
  }

  // An entry of the text list; focusing or pressing it shows the shape's label on the map.
  function listEntry(label, shape, bounds) {
    var li = document.createElement('li');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.appendChild(text(label));
    function show() {
      if (!map.getBounds().contains(bounds))
        map.fitBounds(L.latLngBounds([bounds]).pad(0.5), { maxZoom: 16 });
      shape.openTooltip();
    }
    button.addEventListener('focus', show);
    button.addEventListener('click', show);
    button.addEventListener('blur', function () {
      if (!shape.getTooltip().options.permanent) shape.closeTooltip();
    });
    li.appendChild(button);
    return li;
  }

  function draw(data) {
    layer.clearLayers();
    if (list) list.textContent = '';
    var bounds = [];
    var groups = {};
    data.tracks.forEach(function (t) {
      var style = styles[t.group] || styles.other;
      groups[t.group] = true;
      var label = t.activity + ', ' + day(t.date);
      var line = L.polyline(t.points, {
        color: style.color,
        dashArray: style.dashArray || null,
        weight: 4,
        opacity: 0.9,
      })
        .bindTooltip(text(label), { sticky: true })
        .addTo(layer);
      unfocusable(line);
      if (list)
        list.appendChild(listEntry('Move: ' + label, line, t.points[Math.floor(t.points.length / 2)]));
      t.points.forEach(function (p) {
        bounds.push(p);
      });
    });
    data.places.forEach(function (p) {
      var dot = L.circleMarker([p.lat, p.lon], {
        radius: 6,
        color: '#1d2327',
        weight: 2,
        fillColor: '#ffd43b',
        fillOpacity: 1,
      })
        .bindTooltip(text(p.name), {
          permanent: p.named,
          // Left or right of the dot, whichever side of the map has room.
          direction: 'auto',
          offset: [8, 0],
          className: p.named ? 'place-label' : '',
        })
        .addTo(layer);
      unfocusable(dot);
      if (list) list.appendChild(listEntry('Place: ' + p.name + ', ' + day(p.date), dot, [p.lat, p.lon]));
      bounds.push([p.lat, p.lon]);
    });
    if (legend)
      Array.prototype.forEach.call(legend.querySelectorAll('li[data-group]'), function (li) {
        var g = li.getAttribute('data-group');
        li.hidden = g === 'place' ? data.places.length === 0 : !groups[g];
      });
    lastBounds = bounds;
    fit();
    tidyLabels();
    var span =
      data.from === data.to ? 'on ' + day(data.from) : 'from ' + day(data.from) + ' to ' + day(data.to);
    caption.textContent = data.from
      ? data.tracks.length + ' moves and ' + data.places.length + ' places ' + span + '.'
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
        fit();
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
