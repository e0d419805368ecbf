// Live import progress: polls the JSON status endpoint every 2 s and updates the dashboard in place.
(function () {
  'use strict';
  // The sync card of a member connected to Moves, or the history card of a member who brings an export.
  var section = document.getElementById('sync') || document.getElementById('history');
  if (!section) return;
  var url = section.getAttribute('data-status-url');
  var lastKey = '';
  var lastWeeks = -1;
  var lastData = null;

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  // Recent activity: new events go in at the top (the list is an aria-live region announcing additions only);
  // the times of the ones already shown are refreshed in place.
  function renderEvents(events) {
    var list = document.getElementById('events');
    var empty = document.getElementById('events-empty');
    if (!list || !events) return;
    var shown = {};
    Array.prototype.forEach.call(list.children, function (li) {
      shown[li.getAttribute('data-key')] = li;
    });
    var wanted = {};
    var fresh = [];
    events.forEach(function (e) {
      var key = e.iso + '|' + e.kind + '|' + e.message;
      wanted[key] = true;
      var li = shown[key];
      if (li) {
        var t = li.querySelector('time');
        if (t && t.textContent !== e.when) t.textContent = e.when;
      } else fresh.push(e);
    });
    Object.keys(shown).forEach(function (key) {
      if (!wanted[key]) list.removeChild(shown[key]);
    });
    for (var i = fresh.length - 1; i >= 0; i--) {
      var e = fresh[i];
      var li = document.createElement('li');
      li.setAttribute('data-key', e.iso + '|' + e.kind + '|' + e.message);
      var time = document.createElement('time');
      time.setAttribute('datetime', e.iso);
      time.textContent = e.when;
      var kind = document.createElement('span');
      kind.className = 'kind kind-' + e.kind;
      kind.textContent = e.label;
      var message = document.createElement('span');
      message.className = 'message';
      message.textContent = e.message;
      li.appendChild(time);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(kind);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(message);
      list.insertBefore(li, list.firstChild);
    }
    list.hidden = events.length === 0;
    if (empty) empty.hidden = events.length !== 0;
  }

  function render(s) {
    // Only touch the live region when the words change, so screen readers are not flooded.
    setText('status-words', s.words);
    var bar = document.getElementById('progress');
    if (bar) {
      bar.max = s.weeksTotal > 0 ? s.weeksTotal : 1;
      bar.value = s.weeksDone;
      bar.textContent = s.percent === null ? '' : s.percent + '%';
      if (s.percent === null) bar.setAttribute('aria-valuetext', 'not started');
      else bar.removeAttribute('aria-valuetext');
    }
    setText('progress-text', s.progressText);
    setText('last-success', s.lastSuccessText);
    setText('next-run', s.nextRunText);
    setText('stored-text', s.storedText);
    setText('zone-note', s.zoneNote);
    setText('file-text', s.fileText);
    renderEvents(s.events);
    var importLink = document.getElementById('import-link');
    if (importLink && s.hasData) {
      setText('import-link', 'Import another export');
      importLink.classList.remove('primary');
    }
    var problem = document.getElementById('last-error');
    if (problem) {
      problem.hidden = !s.lastErrorText;
      setText('last-error-text', s.lastErrorText || '');
    }
    var reconnect = document.getElementById('reconnect');
    if (reconnect) reconnect.hidden = !s.needsReauth;
    var link = document.getElementById('reconnect-link');
    if (link && s.reconnect) {
      if (link.getAttribute('href') !== s.reconnect.href) link.setAttribute('href', s.reconnect.href);
      setText('reconnect-link', s.reconnect.label);
    }
    var download = document.getElementById('download-link');
    var downloadOff = document.getElementById('download-off');
    if (download && downloadOff && s.download) {
      download.hidden = !s.download.available;
      downloadOff.hidden = s.download.available;
      setText('download-note', s.download.reason || '');
    }
    // "The first import has started" and the like: gone once that work is done.
    if (!s.busy)
      Array.prototype.forEach.call(document.querySelectorAll('.flash[data-until-done]'), function (f) {
        f.parentNode.removeChild(f);
      });
    var button = document.getElementById('update-button');
    if (button) {
      button.disabled = !s.update.available;
      setText('update-button', s.update.label);
      setText('update-note', s.update.reason || '');
    }
    // New data (weeks fetched, an import stored or published): the map draws it again, without a reload.
    var key = s.status + ':' + s.weeksDone;
    var data = s.storedText + '|' + s.fileText;
    var weeksMoved = s.weeksDone !== lastWeeks || (key !== lastKey && s.status === 'up_to_date');
    if ((weeksMoved && lastWeeks !== -1) || (lastData !== null && data !== lastData))
      document.dispatchEvent(new CustomEvent('ohmoves:data-changed'));
    lastWeeks = s.weeksDone;
    lastKey = key;
    lastData = data;
  }

  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) {
          window.location.href = '/';
          return null;
        }
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (s) render(s);
      })
      .catch(function () {
        /* offline for a moment: the next poll retries */
      })
      .then(function () {
        window.setTimeout(poll, 2000);
      });
  }
  poll();
})();
