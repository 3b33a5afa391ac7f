// facetrail's page script, served as /static/facetrail.js (the Content-Security-Policy allows
// scripts from this origin only, none inline). The pages work without it; with it, times show
// in the viewer's time zone and results arrive live over Server-Sent Events (GET /events).
(function () {
  'use strict';

  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const formatter = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: zone,
  });

  // The server reads the zone from this cookie for day boundaries and date filters.
  document.cookie = 'tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';

  /** Every <time datetime> in `root`, written in the viewer's zone. */
  function localiseTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (element) {
      const date = new Date(element.getAttribute('datetime'));
      if (Number.isNaN(date.getTime())) return;
      element.textContent = formatter.format(date);
      element.setAttribute('title', date.toISOString() + ' (UTC)');
    });
  }

  function setUp() {
    localiseTimes(document);
    document.querySelectorAll('.zone-note').forEach(function (note) {
      note.textContent = 'Times are shown in your time zone, ' + zone + '.';
    });
    document.querySelectorAll('input[type="hidden"][name="tz"]').forEach(function (input) {
      if (!new URLSearchParams(location.search).has('tz')) input.value = zone;
    });
    listen();
  }

  /**
   * Live updates: the page names its rule in <body data-live>: "head" (a first page: any
   * change may belong on it) or "ids" (only changes to the photos shown). A relevant change
   * fetches the live region again (?fragment=1) and swaps it in, without a reload.
   */
  function listen() {
    const rule = document.body.dataset.live;
    const region = document.getElementById('live');
    if (!rule || !region || typeof EventSource === 'undefined') return;
    const status = document.getElementById('live-status');
    let refreshing = false;
    let again = false;
    let opened = false;

    function shownIds() {
      return new Set((region.dataset.ids || '').split(' ').filter(Boolean).map(Number));
    }

    function refresh() {
      if (refreshing) {
        again = true;
        return;
      }
      refreshing = true;
      const url = new URL(location.href);
      url.searchParams.set('fragment', '1');
      fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (response) {
          if (response.redirected || !response.ok) throw new Error('HTTP ' + response.status);
          return response.text();
        })
        .then(function (html) {
          const before = shownIds();
          region.innerHTML = html;
          const ids = Array.from(region.querySelectorAll('[data-image-id]')).map(function (card) {
            return card.getAttribute('data-image-id');
          });
          // The image page's region names its one photo itself; lists name their cards.
          if (ids.length > 0) region.dataset.ids = ids.join(' ');
          localiseTimes(region);
          const added = ids.filter(function (id) {
            return !before.has(Number(id));
          }).length;
          if (status) status.textContent = added > 0 ? added + ' new photo(s) shown.' : 'Updated.';
        })
        .catch(function () {
          if (status) status.textContent = 'Live updates paused; reload the page.';
        })
        .finally(function () {
          refreshing = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    const source = new EventSource('/events');
    source.addEventListener('open', function () {
      // A reconnect (the stream ends every few seconds by design) may have missed changes.
      if (opened) refresh();
      opened = true;
    });
    source.addEventListener('images', function (event) {
      let changes = [];
      try {
        changes = JSON.parse(event.data);
      } catch {
        return;
      }
      const shown = shownIds();
      const relevant =
        rule === 'head' ||
        changes.some(function (change) {
          return shown.has(change.id);
        });
      if (relevant) refresh();
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setUp);
  else setUp();
})();
