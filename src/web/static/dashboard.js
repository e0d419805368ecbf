// Live import progress: polls the JSON status endpoint every 2 s and updates the dashboard in place.
(function () {
  'use strict';
  var section = document.getElementById('sync');
  if (!section) return;
  var url = section.getAttribute('data-status-url');
  var lastKey = '';
  var lastWeeks = -1;

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
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
    setText('file-text', s.fileText);
    var problem = document.getElementById('last-error');
    if (problem) {
      problem.hidden = !s.lastErrorText;
      setText('last-error-text', s.lastErrorText || '');
    }
    var reconnect = document.getElementById('reconnect');
    if (reconnect) reconnect.hidden = !s.needsReauth;
    var button = document.getElementById('update-button');
    if (button) {
      button.disabled = !s.update.available;
      setText('update-button', s.update.label);
      setText('update-note', s.update.reason || '');
    }
    var key = s.status + ':' + s.weeksDone;
    if (s.weeksDone !== lastWeeks || (key !== lastKey && s.status === 'up_to_date')) {
      if (lastWeeks !== -1) document.dispatchEvent(new CustomEvent('ohmoves:data-changed'));
      lastWeeks = s.weeksDone;
    }
    lastKey = key;
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
