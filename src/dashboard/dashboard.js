'use strict';
const API = '/api/v1';
const STATUSES = ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'];
const view = document.getElementById('view');
const state = { status: '', type: '' };
// Once keys are configured the API wants one: asked for once, kept for this browser tab only.
const auth = { key: sessionStorage.getItem('apiKey') || '', permissions: [] };
const headers = () => (auth.key ? { Authorization: `Bearer ${auth.key}` } : {});

class Unauthenticated extends Error {}

/** Builds an element; strings become text nodes (never HTML), so data cannot inject markup. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
async function get(path) {
  const res = await fetch(API + path, { headers: headers() });
  if (res.status === 401) throw new Unauthenticated();
  if (!res.ok) throw new Error(`${res.status} ${(await res.json().catch(() => ({}))).message || res.statusText}`);
  return res.json();
}
const ago = (iso) => new Date(iso).toLocaleTimeString();
const ms = (a, b) => (b ? Math.max(0, new Date(b) - new Date(a)) : null);

async function renderList() {
  const query = new URLSearchParams({ limit: '50' });
  if (state.status) query.set('status', state.status);
  if (state.type) query.set('type', state.type);
  const [stats, page] = await Promise.all([get('/sagas/stats' + (state.type ? `?type=${encodeURIComponent(state.type)}` : '')), get(`/sagas?${query}`)]);
  const chip = (status, label, n) => h('span', {
    class: 'chip', role: 'button', 'data-testid': `count-${status || 'ALL'}`, 'aria-pressed': String(state.status === status),
    onclick: () => { state.status = status; refresh(); },
  }, h('span', { class: status }, label), h('b', {}, n));
  const total = Object.values(stats.counts).reduce((a, b) => a + b, 0);
  const typeSelect = h('select', { 'data-testid': 'type-filter', onchange: (e) => { state.type = e.target.value; refresh(); } },
    h('option', { value: '' }, 'all types'), stats.types.map((t) => h('option', { value: t, selected: t === state.type }, t)));
  view.replaceChildren(
    h('div', { class: 'chips' }, chip('', 'all', total), STATUSES.map((s) => chip(s, s, stats.counts[s])), typeSelect),
    h('table', { 'data-testid': 'saga-list' },
      h('thead', {}, h('tr', {}, ['saga', 'type', 'status', 'step', 'order', 'reason', 'updated'].map((c) => h('th', {}, c)))),
      h('tbody', {}, page.items.map((s) => h('tr', { 'data-testid': 'saga-row', 'data-saga-id': s.id, onclick: () => (location.hash = `#/sagas/${s.id}`) },
        h('td', {}, h('code', {}, s.id.slice(0, 8))), h('td', { 'data-testid': 'saga-type' }, `${s.type} v${s.definitionVersion}`), h('td', { class: `status ${s.status}`, 'data-testid': 'saga-status' }, s.status),
        h('td', {}, s.currentStep), h('td', {}, s.orderId ? h('code', {}, s.orderId.slice(0, 8)) : ''), h('td', {}, s.failureReason || ''),
        h('td', { class: 'muted' }, ago(s.updatedAt)))))),
    page.items.length ? '' : h('p', { class: 'muted' }, 'No sagas yet: place an order (see the README).'),
  );
}

async function renderSaga(id) {
  const saga = await get(`/sagas/${id}`);
  const order = saga.orderId ? await get(`/orders/${saga.orderId}`).catch(() => null) : null;
  const longest = Math.max(1, ...saga.history.map((s) => ms(s.timestamp, s.finishedAt) || 0));
  // Retry is offered only to keys that may use it (operator, admin); the server checks again.
  const retry = saga.status === 'FAILED' && auth.permissions.includes('operations.act')
    ? h('button', { 'data-testid': 'retry', onclick: async (e) => {
        e.target.disabled = true;
        const res = await fetch(`${API}/sagas/${id}/retry`, { method: 'POST', headers: headers() });
        if (!res.ok) alert((await res.json()).message);
        refresh();
      } }, saga.poisonAttempts > 0 ? 'Retry where it stopped' : 'Retry compensation')
    : null;
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all sagas')),
    h('div', { class: 'card', 'data-testid': 'saga-detail' },
      h('h2', {}, `${saga.type} v${saga.definitionVersion} `, h('span', { class: `status ${saga.status}`, 'data-testid': 'detail-status' }, saga.status), ' ', retry),
      h('dl', {},
        h('dt', {}, 'saga'), h('dd', {}, h('code', {}, saga.id)),
        h('dt', {}, 'current step'), h('dd', {}, `${saga.currentStep} (attempt ${saga.attempt})`),
        saga.failureReason ? [h('dt', {}, 'failure reason'), h('dd', {}, saga.failureReason)] : [],
        saga.lastError ? [h('dt', {}, 'last error'), h('dd', { class: 'error' }, saga.lastError)] : [],
        h('dt', {}, 'order'), h('dd', { 'data-testid': 'order' }, order
          ? [h('code', {}, order.id), ` — ${order.status}, ${order.totalAmount} for ${order.customerId}`, order.failureReason ? ` (${order.failureReason})` : '']
          : saga.orderId || '—'),
        h('dt', {}, 'started'), h('dd', {}, new Date(saga.createdAt).toLocaleString()))),
    h('div', { class: 'card' }, h('h3', {}, 'Timeline'),
      h('ol', { class: 'timeline', 'data-testid': 'timeline' }, saga.history.map((s) => {
        const d = ms(s.timestamp, s.finishedAt);
        return h('li', { 'data-testid': 'step', class: s.action === 'compensate' && s.status === 'SUCCEEDED' ? 'COMPENSATED' : s.status },
          h('span', { class: 'dot' }),
          h('div', {},
            h('div', {}, h('b', { 'data-testid': 'step-name' }, s.step), ` ${s.action}`, s.attempt > 1 ? ` · attempt ${s.attempt}` : '', ' · ',
              h('span', { class: `status ${s.status}`, 'data-testid': 'step-status' }, s.status), d !== null ? ` · ${d} ms` : ''),
            s.message ? h('div', { class: s.status === 'FAILED' ? 'error' : 'muted' }, s.message) : '',
            h('div', { class: 'muted mono' }, ago(s.timestamp), s.traceId ? ` · trace ${s.traceId}` : ''),
            d !== null ? h('div', { class: 'bar', style: `width:${Math.max(1, (100 * d) / longest)}%` }) : ''));
      }))),
  );
}

/** The key form: shown when the API refuses the page's requests without a valid key. */
function renderKeyForm(refused) {
  const input = h('input', { type: 'password', 'data-testid': 'key-input', placeholder: 'API key (viewer, operator or admin)', autocomplete: 'off' });
  view.replaceChildren(
    h('form', { class: 'key', 'data-testid': 'key-form', onsubmit: (e) => {
      e.preventDefault();
      auth.key = input.value.trim();
      sessionStorage.setItem('apiKey', auth.key);
      refresh();
    } }, input, h('button', { type: 'submit', 'data-testid': 'key-submit' }, 'Use key')),
    h('p', { class: refused ? 'error' : 'muted', 'data-testid': 'key-message' }, refused ? 'That key was refused.' : 'This server needs an API key.'),
  );
  input.focus();
}

/** Who the page calls as; the header shows it, with a way to forget the key. */
async function identify() {
  const me = await get('/auth/whoami');
  auth.permissions = me.permissions;
  const who = document.getElementById('who');
  who.replaceChildren(...(me.keysConfigured
    ? [`${me.name} (${me.role}) `, h('button', { 'data-testid': 'forget-key', onclick: () => { auth.key = ''; sessionStorage.removeItem('apiKey'); refresh(); } }, 'forget key')]
    : ['no API keys: local access']));
}

let timer;
async function refresh() {
  clearTimeout(timer);
  const match = /^#\/sagas\/([0-9a-f-]{36})$/.exec(location.hash);
  try {
    await identify();
    await (match ? renderSaga(match[1]) : renderList());
    document.querySelector('.live').textContent = `live · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (error instanceof Unauthenticated) return renderKeyForm(Boolean(auth.key)); // no polling until a key is given
    view.replaceChildren(h('p', { class: 'error', 'data-testid': 'error' }, String(error.message || error)));
  }
  timer = setTimeout(refresh, 2000); // live: poll the REST API
}
window.addEventListener('hashchange', refresh);
refresh();
