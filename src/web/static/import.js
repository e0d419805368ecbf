// The import page: uploads with a progress bar (falls back to the plain form without script), then follows the
// import's status every 2 s while it runs.
(function () {
  'use strict';
  var form = document.getElementById('import-form');
  var status = document.getElementById('import-status');
  var polling = false;

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }
  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  }
  function list(id, items) {
    var ul = document.getElementById(id);
    if (!ul) return;
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    items.forEach(function (text) {
      var li = document.createElement('li');
      li.textContent = text;
      ul.appendChild(li);
    });
  }
  function mb(bytes) {
    return (bytes / 1048576).toFixed(1) + ' MB';
  }
  function problem(title, text) {
    setText('upload-error-title', title);
    setText('upload-error-text', text);
    show('upload-error', true);
  }

  function render(s) {
    setText('import-words', s.words);
    show('import-progress', s.percent !== null);
    var bar = document.getElementById('import-bar');
    if (bar && s.percent !== null) bar.value = s.percent;
    list('import-details', s.details);
    show('import-details', s.details.length > 0);
    list(
      'import-skipped-list',
      s.skipped.map(function (k) {
        return k.where + ': ' + k.reason;
      }),
    );
    show('import-skipped', s.skipped.length > 0);
    var button = document.getElementById('import-button');
    if (button) button.disabled = s.busy && s.state !== 'publishing';
    status.setAttribute('data-state', s.state);
    // The upload bar has done its part once the import's own status is final.
    if (!s.busy) show('upload-progress', false);
  }

  function poll() {
    polling = true;
    fetch(status.getAttribute('data-status-url'), {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (s) render(s);
        if (!s || s.busy) window.setTimeout(poll, 2000);
        else polling = false;
      })
      .catch(function () {
        window.setTimeout(poll, 2000);
      });
  }

  if (status && status.getAttribute('data-busy') === 'true') poll();
  // The dashboard saw new data (an import finished in another tab, say): show that import's report too.
  document.addEventListener('ohmoves:data-changed', function () {
    if (status && !polling) poll();
  });

  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  form.addEventListener('submit', function (event) {
    var input = document.getElementById('archive');
    var file = input && input.files && input.files[0];
    if (!file) return;
    event.preventDefault();
    show('upload-error', false);
    var max = Number(form.getAttribute('data-max-bytes'));
    if (max && file.size > max) {
      problem('That file is too large', 'Uploads are limited to ' + form.getAttribute('data-max-text') + '.');
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('action'));
    xhr.setRequestHeader('accept', 'application/json');
    var bar = document.getElementById('upload-bar');
    show('upload-progress', true);
    document.getElementById('import-button').disabled = true;
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      bar.value = Math.floor((100 * e.loaded) / e.total);
      setText('upload-text', mb(e.loaded) + ' of ' + mb(e.total) + ' sent');
    });
    xhr.addEventListener('load', function () {
      var body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 202) {
        bar.value = 100;
        setText('upload-text', 'Uploaded. Importing…');
        if (!polling) poll();
        return;
      }
      document.getElementById('import-button').disabled = false;
      show('upload-progress', false);
      var e = (body && body.error) || {};
      problem(
        e.title || 'The upload failed',
        [e.what, e.todo].filter(Boolean).join(' ') || 'Please try again.',
      );
    });
    xhr.addEventListener('error', function () {
      document.getElementById('import-button').disabled = false;
      problem('The upload was interrupted', 'Check your connection and try again.');
    });
    xhr.send(new FormData(form));
  });
})();
