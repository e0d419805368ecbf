// The map of every year (/map): squares shaded by how many track points fell in them, from the counts the page's
// data address sends (never the points themselves). Leaflet comes from /static/leaflet; the background map, once
// agreed to, comes from map-background.js.
(function () {
  'use strict';
  var el = document.getElementById('map');
  var caption = document.getElementById('map-caption');
  if (!el || typeof L === 'undefined') return;

  // No view yet: fitted to the data first (see map-background.js).
  var map = L.map(el, { attributionControl: false, keyboard: true, preferCanvas: true });
  Array.prototype.forEach.call(el.querySelectorAll('.leaflet-control-zoom a'), function (a) {
    a.setAttribute('tabindex', '-1');
  });
  L.control.scale({ position: 'bottomleft' }).addTo(map);
  var background = window.ohMovesBackground(map, el);

  // Light to dark green on a log scale: a home with 100,000 points and a hike with 20 both show.
  var shades = ['#c7e9c0', '#a1d99b', '#74c476', '#41ab5d', '#238b45', '#006d2c', '#00441b'];
  function shade(n, max) {
    var t = max > 1 ? Math.log(n) / Math.log(max) : 1;
    return shades[Math.min(shades.length - 1, Math.floor(t * shades.length))];
  }

  function draw(data) {
    var renderer = L.canvas({ padding: 0.2 });
    var c = data.cells;
    var size = data.size;
    var south = 90,
      west = 180,
      north = -90,
      east = -180;
    for (var i = 0; i < c.length; i += 3) {
      var lat = c[i] * size;
      var lon = c[i + 1] * size;
      var colour = shade(c[i + 2], data.max);
      L.rectangle(
        [
          [lat, lon],
          [lat + size, lon + size],
        ],
        { renderer: renderer, stroke: false, fillColor: colour, fillOpacity: 0.75, interactive: false },
      ).addTo(map);
      south = Math.min(south, lat);
      west = Math.min(west, lon);
      north = Math.max(north, lat + size);
      east = Math.max(east, lon + size);
    }
    if (c.length)
      map.fitBounds(
        [
          [south, west],
          [north, east],
        ],
        { padding: [10, 10], maxZoom: 14 },
      );
    else map.setView([20, 0], 2);
    background.show();
    caption.textContent = c.length
      ? data.pointsText +
        ' track points in ' +
        c.length / 3 +
        ' squares of about ' +
        (size * 111).toFixed(1) +
        ' km. Darker squares hold more points.'
      : 'No track points are stored for this period.';
  }

  fetch(el.getAttribute('data-src'), { credentials: 'same-origin', cache: 'no-store' })
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .then(function (data) {
      if (data) draw(data);
      else caption.textContent = 'The map could not be loaded.';
    })
    .catch(function () {
      caption.textContent = 'The map could not be loaded.';
    });
})();
