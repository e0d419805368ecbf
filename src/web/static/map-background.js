// The opted-in background map, shared by every map page. The page carries a tile address only after the member
// agreed (its Content-Security-Policy then allows that one server). The layer is added only once the map has been
// fitted to the data, so the first tiles asked for are those of the data's area, never whole-world zoom-2 ones;
// when tiles fail (offline, blocked) the page says so once instead of leaving grey squares unexplained.
(function () {
  'use strict';
  window.ohMovesBackground = function (map, el) {
    var url = el.getAttribute('data-tiles');
    if (!url) return { show: function () {} };
    var layer = L.tileLayer(url, { maxZoom: 19, referrerPolicy: 'strict-origin-when-cross-origin' });
    layer.on('tileerror', function () {
      var note = document.getElementById('map-tiles-status');
      if (note && note.hidden) {
        note.textContent =
          'The background map could not be loaded (you may be offline, or its server is blocked): the map is shown without it.';
        note.hidden = false;
      }
    });
    var Credit = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        // Plain text here (the map stays one Tab stop); the same credit is a link under the map.
        var box = L.DomUtil.create('div', 'leaflet-control-attribution map-credit');
        box.textContent = el.getAttribute('data-attribution');
        return box;
      },
    });
    new Credit().addTo(map);
    return {
      show: function () {
        if (!map.hasLayer(layer)) layer.addTo(map);
      },
    };
  };
})();
