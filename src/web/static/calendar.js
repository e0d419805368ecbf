// The history calendar as one Tab stop per year: the newest day with data is in the Tab order, and the arrow
// keys move between days with data (left/right: the day before/after, up/down: the month before/after, Home/End:
// the first/last). Without this script every day with data is its own link in the Tab order.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('table.calendar'), function (table) {
    var links = Array.prototype.slice.call(table.querySelectorAll('td a'));
    if (!links.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);

    function place(a) {
      var cell = a.parentNode;
      return { row: rows.indexOf(cell.parentNode), col: cell.cellIndex };
    }

    function activate(a, focus) {
      links.forEach(function (l) {
        l.setAttribute('tabindex', l === a ? '0' : '-1');
      });
      if (focus) a.focus();
    }

    // The link in the nearest row in direction `step` that has one, closest to column `col`.
    function vertical(from, step) {
      for (var r = from.row + step; r >= 0 && r < rows.length; r += step) {
        var best = null;
        var dist = Infinity;
        Array.prototype.forEach.call(rows[r].querySelectorAll('td a'), function (a) {
          var d = Math.abs(a.parentNode.cellIndex - from.col);
          if (d < dist) {
            dist = d;
            best = a;
          }
        });
        if (best) return best;
      }
      return null;
    }

    activate(links[links.length - 1], false);
    table.addEventListener('keydown', function (e) {
      var i = links.indexOf(e.target);
      if (i === -1) return;
      var next;
      if (e.key === 'ArrowLeft') next = links[i - 1];
      else if (e.key === 'ArrowRight') next = links[i + 1];
      else if (e.key === 'ArrowUp') next = vertical(place(e.target), -1);
      else if (e.key === 'ArrowDown') next = vertical(place(e.target), 1);
      else if (e.key === 'Home') next = links[0];
      else if (e.key === 'End') next = links[links.length - 1];
      else return;
      e.preventDefault();
      if (next) activate(next, true);
    });
    table.addEventListener('focusin', function (e) {
      if (links.indexOf(e.target) !== -1) activate(e.target, false);
    });
  });
})();
