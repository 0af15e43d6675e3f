// Proves to a person (and to test/browser) that the script ran, the stylesheet applied, and the
// server answers: each <output> gets a text and a data-state the browser test reads from the DOM.
(function () {
  'use strict';

  function report(id, ok, text) {
    var el = document.getElementById(id);
    el.textContent = text;
    el.setAttribute('data-state', ok ? 'ok' : 'failed');
  }

  report('script-status', true, 'app.js ran');

  // A computed style can only be this colour if style.css was fetched and applied.
  var colour = getComputedStyle(document.getElementById('title')).color;
  var cssOk = colour === 'rgb(46, 125, 50)';
  report(
    'css-status',
    cssOk,
    (cssOk ? 'style.css applied' : 'style.css NOT applied') + ' (title colour ' + colour + ')',
  );
  document.body.setAttribute('data-title-colour', colour);

  fetch('/')
    .then(function (res) {
      return res.json();
    })
    .then(function (data) {
      report('api-status', data.message === 'Hello, world!', 'GET / says ' + JSON.stringify(data));
    })
    .catch(function (err) {
      report('api-status', false, 'GET / failed: ' + err);
    });
})();
