/*
 * jobpool console: vanilla JavaScript, no build step, no external resources.
 *
 * Every value from the service is rendered with textContent / createElement, never as HTML.
 * The API key lives in sessionStorage and goes out as `Authorization: Bearer <key>`; because
 * EventSource cannot send headers, job events are read by streaming fetch() of
 * /v1/jobs/{id}/events and parsing the Server-Sent Events by hand.
 */
(function () {
  'use strict';

  var KEY_STORAGE = 'jobpool.apiKey';
  var POOL_EVERY_MS = 2000;
  var JOBS_EVERY_MS = 2000;
  var MAX_STREAMS = 3;          // browsers allow ~6 connections per host: leave room for the rest
  var JOB_PAGE = 50;
  var PREVIEW = 20;
  var TERMINAL = { SUCCEEDED: 1, FAILED: 1, CANCELLED: 1, TIMED_OUT: 1 };

  var jobs = new Map();         // id -> { status, row, cells }
  var streams = new Map();      // id -> AbortController
  var selectedId = null;
  var detailTimer = null;
  var functionsById = new Map();

  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === 'text') { node.textContent = props[k]; }
        else if (k === 'className') { node.className = props[k]; }
        else if (k.indexOf('data-') === 0 || k.indexOf('aria-') === 0 || k === 'role' || k === 'title') {
          node.setAttribute(k, props[k]);
        } else { node[k] = props[k]; }
      });
    }
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // ---------------------------------------------------------------- API key

  function apiKey() {
    try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch (e) { return ''; }
  }

  function setApiKey(key) {
    try {
      if (key) { sessionStorage.setItem(KEY_STORAGE, key); } else { sessionStorage.removeItem(KEY_STORAGE); }
    } catch (e) { /* storage disabled: the key lasts for this page only */ }
    showKeyState();
    stopAllStreams();
    jobs.forEach(function (j) { j.row.remove(); });
    jobs.clear();
    selectJob(null);
    refreshAll();
  }

  function showKeyState() {
    var key = apiKey();
    $('key-state').textContent = key ? 'key in use' : 'no key';
    $('api-key').value = '';
    $('api-key').placeholder = key ? '•••••••• (saved for this tab)' : 'not set (open service)';
  }

  function headers(extra) {
    var h = { 'Accept': 'application/json' };
    var key = apiKey();
    if (key) { h['Authorization'] = 'Bearer ' + key; }
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }

  // ---------------------------------------------------------------- HTTP

  /** A problem+json answer (or a transport failure) as an Error with title, detail, field, status. */
  function Problem(status, body, fallback) {
    var p = new Error((body && body.title) || fallback || ('HTTP ' + status));
    p.status = status;
    p.title = (body && body.title) || fallback || ('HTTP ' + status);
    p.detail = body && typeof body.detail === 'string' ? body.detail : '';
    p.field = body && typeof body.field === 'string' ? body.field : '';
    p.type = body && typeof body.type === 'string' ? body.type : '';
    return p;
  }

  function api(method, path, body) {
    var init = { method: method, headers: headers(body === undefined ? null : { 'Content-Type': 'application/json' }) };
    if (body !== undefined) { init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        if (text) { try { json = JSON.parse(text); } catch (e) { json = null; } }
        if (!res.ok) {
          var err = Problem(res.status, json, res.status + ' ' + res.statusText);
          if (res.status === 401) { needKey(err); }
          throw err;
        }
        hideBanner();
        return json;
      });
    }, function (e) {
      throw Problem(0, null, 'service unreachable (' + e.message + ')');
    });
  }

  function needKey(problem) {
    showBanner((apiKey() ? 'The API key was refused: ' : 'This service needs an API key: enter it above. ')
      + (problem.detail || ''));
    stopAllStreams();
  }

  function showBanner(text) { var b = $('banner'); b.textContent = text; b.hidden = false; }
  function hideBanner() { $('banner').hidden = true; }

  function renderProblem(box, problem) {
    clear(box);
    box.appendChild(el('div', { className: 'ptitle', text: problem.status ? problem.status + ' ' + problem.title : problem.title }));
    if (problem.detail) { box.appendChild(el('div', { className: 'pdetail', text: problem.detail })); }
    if (problem.field) { box.appendChild(el('div', { className: 'pfield', text: 'field: ' + problem.field })); }
    if (problem.where) { box.appendChild(el('div', { className: 'pfield', text: problem.where })); }
    box.hidden = false;
  }

  // ---------------------------------------------------------------- formatting

  function fmtInt(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : '–'; }
  function fmtRate(r) {
    if (typeof r !== 'number') { return '–'; }
    return r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1);
  }
  function fmtEta(s, state) {
    if (TERMINAL[state]) { return '–'; }
    if (typeof s !== 'number' || !isFinite(s)) { return '…'; }
    s = Math.max(0, Math.round(s));
    if (s < 60) { return s + 's'; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + 'm ' + String(s % 60).padStart(2, '0') + 's'; }
    return Math.floor(m / 60) + 'h ' + String(m % 60).padStart(2, '0') + 'm';
  }
  /** When a job was submitted, to the second, in the browser's time zone. */
  function fmtClock(iso) {
    var d = new Date(iso);
    return !iso || isNaN(d.getTime()) ? '–' : d.toLocaleTimeString('en-GB');
  }
  function fmtTime(iso) {
    if (!iso) { return '–'; }
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString('en-GB') + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }
  function fmtJson(v) {
    var s;
    try { s = JSON.stringify(v); } catch (e) { s = String(v); }
    if (s === undefined) { s = 'null'; }
    return s.length > 300 ? s.slice(0, 300) + '…' : s;
  }
  function label(job) { return job.function === 'cel' && job.expression ? 'cel: ' + job.expression : job.function; }

  // ---------------------------------------------------------------- pool

  function refreshPool() {
    return api('GET', '/v1/pool').then(function (p) {
      $('pool-workers').textContent = fmtInt(p.workers);
      $('pool-busy').textContent = fmtInt(p.busy);
      $('pool-io-workers').textContent = fmtInt(p.ioWorkers);
      $('pool-io-busy').textContent = fmtInt(p.ioBusy);
      $('pool-queued').textContent = fmtInt(p.queuedItems);
      $('pool-active').textContent = fmtInt(p.activeJobs);
      $('pool-rate').textContent = fmtRate(p.itemsPerSecond);
      $('pool-updated').textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
    }, function () { /* banner already shown where it matters */ });
  }

  // ---------------------------------------------------------------- jobs table

  function jobRow(status) {
    var entry = jobs.get(status.id);
    if (entry) { return entry; }
    var fill = el('span', { className: 'fill' });
    var pct = el('span', { className: 'pct', text: '0%' });
    var bar = el('div', { className: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, [fill, pct]);
    var cancel = el('button', { className: 'cancel', type: 'button', text: 'Cancel', title: 'cancel this job (DELETE)' });
    var cells = {
      id: el('td', { className: 'mono', text: status.id.slice(0, 8), title: status.id }),
      submitted: el('td', { className: 'submitted', text: fmtClock(status.createdAt), title: status.createdAt || '' }),
      fn: el('td', { className: 'fn' }),
      state: el('span', { className: 'state' }),
      bar: bar, fill: fill, pct: pct,
      counts: el('div', { className: 'muted counts' }),
      rate: el('td', { className: 'rate' }),
      eta: el('td', { className: 'eta' }),
      cancel: cancel
    };
    var row = el('tr', { 'data-job-id': status.id }, [
      cells.id, cells.submitted, cells.fn, el('td', null, [cells.state]), el('td', null, [bar]),
      cells.rate, cells.eta, el('td', null, [cancel])
    ]);
    row.addEventListener('click', function (e) { if (e.target !== cancel) { selectJob(status.id); } });
    cancel.addEventListener('click', function (e) { e.stopPropagation(); cancelJob(status.id, cancel); });
    entry = { status: status, row: row, cells: cells };
    jobs.set(status.id, entry);
    return entry;
  }

  /** Applies a status (from the list, a submit, a cancel or an SSE event) to the job's row. */
  function updateJob(id, patch) {
    var entry = jobs.get(id);
    if (!entry) { return; }
    var s = Object.assign({}, entry.status, patch);
    entry.status = s;
    var c = entry.cells;
    c.fn.textContent = label(s);
    c.fn.title = label(s);
    c.state.textContent = s.state;
    c.state.className = 'state ' + s.state;
    var total = typeof s.total === 'number' ? s.total : 0;
    var done = typeof s.completed === 'number' ? s.completed : 0;
    var pct = total > 0 ? Math.floor((done * 100) / total) : (s.state === 'SUCCEEDED' ? 100 : 0);
    c.bar.setAttribute('aria-valuenow', String(pct));
    c.bar.className = 'bar ' + s.state;
    c.bar.title = done + ' / ' + total + (s.failed ? ' (' + s.failed + ' failed)' : '');
    c.fill.style.width = pct + '%';
    c.pct.classList.toggle('light', pct >= 55);
    c.pct.textContent = pct + '%  ·  ' + fmtInt(done) + '/' + fmtInt(total) + (s.failed ? '  ·  ' + fmtInt(s.failed) + ' failed' : '');
    c.rate.textContent = fmtRate(s.itemsPerSecond);
    c.eta.textContent = fmtEta(s.etaSeconds, s.state);
    c.cancel.hidden = !!TERMINAL[s.state];
    if (TERMINAL[s.state]) { stopStream(id); }
    if (id === selectedId) { renderDetailStatus(s); }
  }

  function refreshJobs() {
    return api('GET', '/v1/jobs?offset=0&limit=' + JOB_PAGE).then(function (page) {
      var tbody = $('jobs');
      var seen = new Set();
      page.jobs.forEach(function (status, i) {
        seen.add(status.id);
        var entry = jobRow(status);
        var streaming = streams.has(status.id);
        // a live stream is fresher than the list, except for the final state
        if (!streaming || TERMINAL[status.state]) { updateJob(status.id, status); }
        if (tbody.children[i] !== entry.row) { tbody.insertBefore(entry.row, tbody.children[i] || null); }
      });
      jobs.forEach(function (entry, id) {
        if (!seen.has(id)) { entry.row.remove(); jobs.delete(id); stopStream(id); }
      });
      $('jobs-count').textContent = page.total > page.jobs.length
        ? page.jobs.length + ' newest of ' + page.total : String(page.total);
      $('jobs-empty').textContent = 'No jobs yet: submit one.'; // until the first answer it said "Loading jobs…"
      $('jobs-empty').hidden = page.total > 0;
      followActiveJobs();
    }, function () { });
  }

  /** Streams events for up to MAX_STREAMS unfinished jobs; the others follow the 2 s list refresh. */
  function followActiveJobs() {
    jobs.forEach(function (entry, id) {
      if (streams.size < MAX_STREAMS && !TERMINAL[entry.status.state] && !streams.has(id)) { startStream(id); }
    });
  }

  function cancelJob(id, button) {
    button.disabled = true;
    api('DELETE', '/v1/jobs/' + encodeURIComponent(id)).then(function (status) {
      updateJob(id, status);
    }, function (problem) {
      if (id === selectedId) { renderProblem($('detail-error'), problem); }
      else { showBanner('Cancel failed: ' + problem.title + (problem.detail ? ': ' + problem.detail : '')); }
    }).then(function () { button.disabled = false; refreshJobs(); });
  }

  // ---------------------------------------------------------------- SSE over fetch

  function startStream(id) {
    var controller = new AbortController();
    streams.set(id, controller);
    var h = headers({ 'Accept': 'text/event-stream' });
    fetch('/v1/jobs/' + encodeURIComponent(id) + '/events', { headers: h, signal: controller.signal, cache: 'no-store' })
      .then(function (res) {
        if (!res.ok || !res.body) {
          if (res.status === 401) { needKey(Problem(401, null, 'Unauthorized')); }
          throw new Error('events: HTTP ' + res.status);
        }
        return readEvents(res.body.getReader(), function (event, data) {
          var payload;
          try { payload = JSON.parse(data); } catch (e) { return; }
          if (event === 'progress' || event === 'end') { updateJob(id, payload); }
          if (event === 'end') { controller.abort(); if (id === selectedId) { loadDetail(id); } }
        });
      })
      .catch(function () { /* aborted, or dropped: the list refresh restarts it if needed */ })
      .then(function () { if (streams.get(id) === controller) { streams.delete(id); } });
  }

  /** Parses a text/event-stream: `event:` and `data:` lines, a blank line dispatches, `:` is a comment. */
  function readEvents(reader, onEvent) {
    var decoder = new TextDecoder();
    var buffer = '';
    var event = '';
    var data = null;
    function line(l) {
      if (l === '') {
        if (data !== null) { onEvent(event || 'message', data); }
        event = ''; data = null;
        return;
      }
      if (l.charAt(0) === ':') { return; }
      var colon = l.indexOf(':');
      var field = colon < 0 ? l : l.slice(0, colon);
      var value = colon < 0 ? '' : l.slice(colon + 1);
      if (value.charAt(0) === ' ') { value = value.slice(1); }
      if (field === 'event') { event = value; }
      else if (field === 'data') { data = data === null ? value : data + '\n' + value; }
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) { return; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var m;
        while ((m = /\r\n|\r|\n/.exec(buffer)) !== null) {
          if (m[0] === '\r' && m.index === buffer.length - 1) { break; } // maybe half of a \r\n
          line(buffer.slice(0, m.index));
          buffer = buffer.slice(m.index + m[0].length);
        }
        return pump();
      });
    }
    return pump();
  }

  function stopStream(id) {
    var c = streams.get(id);
    if (c) { streams.delete(id); c.abort(); }
  }

  function stopAllStreams() { Array.from(streams.keys()).forEach(stopStream); }

  // ---------------------------------------------------------------- detail

  function selectJob(id) {
    selectedId = id;
    jobs.forEach(function (entry, jid) { entry.row.classList.toggle('selected', jid === id); });
    clearInterval(detailTimer);
    $('detail-error').hidden = true;
    if (!id) { $('detail-body').hidden = true; $('detail-empty').hidden = false; return; }
    $('detail-empty').hidden = true;
    $('detail-body').hidden = false;
    clear($('detail-fields')); clear($('detail-results')); clear($('detail-errors'));
    $('detail-title').textContent = 'Job ' + id;
    loadDetail(id);
    detailTimer = setInterval(function () {
      var entry = jobs.get(id);
      if (!entry || !TERMINAL[entry.status.state]) { loadDetail(id); }
    }, 2000);
  }

  function loadDetail(id) {
    var path = '/v1/jobs/' + encodeURIComponent(id);
    api('GET', path).then(function (status) {
      if (id !== selectedId) { return; }
      if (jobs.has(id)) { updateJob(id, status); } else { renderDetailStatus(status); }
      return api('GET', path + '/results?offset=0&limit=' + PREVIEW).then(function (page) {
        if (id === selectedId) { renderResults(page); }
      });
    }).catch(function (problem) {
      if (id === selectedId) { renderProblem($('detail-error'), problem); }
    });
  }

  function renderDetailStatus(s) {
    var dl = $('detail-fields');
    clear(dl);
    var fields = [
      ['state', s.state], ['function', s.function], ['expression', s.expression],
      ['completed', fmtInt(s.completed) + ' / ' + fmtInt(s.total)], ['failed', fmtInt(s.failed)],
      ['progress', typeof s.progress === 'number' ? (s.progress * 100).toFixed(1) + '%' : '–'],
      ['items/s', fmtRate(s.itemsPerSecond)], ['ETA', fmtEta(s.etaSeconds, s.state)],
      ['priority', s.priority], ['onError', s.onError],
      ['created', fmtTime(s.createdAt)], ['started', fmtTime(s.startedAt)], ['finished', fmtTime(s.finishedAt)]
    ];
    fields.forEach(function (f) {
      if (f[1] === undefined || f[1] === null) { return; }
      var dd = el('dd', { text: String(f[1]) });
      if (f[0] === 'expression') { dd.className = 'mono'; }
      if (f[0] === 'state') { dd.className = 'state-' + s.state; }
      dl.appendChild(el('div', null, [el('dt', { text: f[0] }), dd]));
    });
    var box = $('detail-error');
    if (s.error) {
      renderProblem(box, {
        title: 'Job error: ' + s.error.type,
        detail: s.error.message,
        where: s.error.index === null || s.error.index === undefined ? '' : 'caused by item #' + s.error.index
      });
    } else {
      box.hidden = true;
    }
  }

  function renderResults(page) {
    var rb = $('detail-results');
    clear(rb);
    page.results.forEach(function (v, i) {
      rb.appendChild(el('tr', null, [el('td', { text: String(page.offset + i) }), el('td', { className: 'value', text: fmtJson(v) })]));
    });
    $('detail-results-note').textContent = page.results.length
      ? 'first ' + page.results.length + ' of ' + fmtInt(page.total) : (TERMINAL[page.state] ? 'none' : 'none yet');
    var eb = $('detail-errors');
    clear(eb);
    page.errors.forEach(function (e) {
      eb.appendChild(el('tr', null, [el('td', { text: String(e.index) }), el('td', { text: e.type }), el('td', { className: 'value', text: e.message })]));
    });
    $('detail-errors-note').textContent = page.errors.length ? 'in the first ' + page.results.length + ' items' : 'none';
  }

  // ---------------------------------------------------------------- submit form

  function loadFunctions() {
    return api('GET', '/v1/functions').then(function (list) {
      var select = $('function');
      var previous = select.value;
      clear(select);
      functionsById.clear();
      list.functions.forEach(function (f) {
        functionsById.set(f.name, f);
        select.appendChild(el('option', { value: f.name, text: f.name + '  (' + f.kind + (f.arity > 1 ? ', arity ' + f.arity : '') + ')' }));
      });
      if (previous && functionsById.has(previous)) {
        select.value = previous;
      } else if (functionsById.has('square')) {
        select.value = 'square'; // a plain first choice, not the catalog's first (alphabetically 'fail', a test aid)
      }
      showFunctionHelp();
    }, function () { });
  }

  function showFunctionHelp() {
    var f = functionsById.get($('function').value);
    $('function-help').textContent = f ? f.description : '';
  }

  function mode() { return $('mode-expression').checked ? 'expression' : 'function'; }

  function showMode() {
    var expr = mode() === 'expression';
    $('function-row').hidden = expr;
    $('expression-row').hidden = !expr;
  }

  function parseJsonField(id, name, mustBe) {
    var text = $(id).value.trim();
    if (!text) { return undefined; }
    var value;
    try { value = JSON.parse(text); } catch (e) {
      throw Problem(0, { title: 'Not valid JSON', detail: e.message, field: name });
    }
    if (mustBe === 'array' && !Array.isArray(value)) {
      throw Problem(0, { title: 'Not a JSON array', detail: 'inputs must be a JSON array, e.g. [1, 2, 3]', field: name });
    }
    if (mustBe === 'object' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw Problem(0, { title: 'Not a JSON object', detail: 'params must be a JSON object, e.g. {"rounds": 10}', field: name });
    }
    return value;
  }

  function buildJob() {
    var job = {};
    if (mode() === 'expression') { job.expression = $('expression').value; } else { job.function = $('function').value; }
    var inputs = parseJsonField('inputs', 'inputs', 'array');
    job.inputs = inputs === undefined ? [] : inputs;
    var params = parseJsonField('params', 'params', 'object');
    if (params !== undefined) { job.params = params; }
    var chunk = $('chunk-size').value.trim();
    if (chunk) {
      var n = Number(chunk);
      if (!Number.isInteger(n)) { throw Problem(0, { title: 'Not an integer', detail: 'chunkSize must be a whole number', field: 'chunkSize' }); }
      job.chunkSize = n;
    }
    job.onError = $('on-error').value;
    return job;
  }

  function submit(e) {
    e.preventDefault();
    var box = $('form-problem');
    box.hidden = true;
    var job;
    try { job = buildJob(); } catch (problem) { renderProblem(box, problem); return; }
    var button = $('submit');
    button.disabled = true;
    api('POST', '/v1/jobs', job).then(function (status) {
      var entry = jobRow(status);
      var tbody = $('jobs');
      if (!entry.row.parentNode) { tbody.insertBefore(entry.row, tbody.firstChild); }
      $('jobs-empty').hidden = true;
      updateJob(status.id, status);
      if (!TERMINAL[status.state] && !streams.has(status.id)) {
        if (streams.size >= MAX_STREAMS) { stopStream(streams.keys().next().value); } // newest job gets the live view
        startStream(status.id);
      }
      selectJob(status.id);
    }, function (problem) {
      renderProblem(box, problem);
    }).then(function () { button.disabled = false; });
  }

  // ---------------------------------------------------------------- start

  function refreshAll() {
    refreshPool();
    refreshJobs();
    if (!functionsById.size) { loadFunctions(); }
  }

  function start() {
    showKeyState();
    $('key-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var key = $('api-key').value.trim();
      if (key) { setApiKey(key); }
    });
    $('forget-key').addEventListener('click', function () { setApiKey(''); });
    $('mode-function').addEventListener('change', showMode);
    $('mode-expression').addEventListener('change', showMode);
    $('function').addEventListener('change', showFunctionHelp);
    $('submit-form').addEventListener('submit', submit);
    showMode();
    refreshAll();
    setInterval(refreshPool, POOL_EVERY_MS);
    setInterval(function () { refreshJobs(); if (!functionsById.size) { loadFunctions(); } }, JOBS_EVERY_MS);
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());
