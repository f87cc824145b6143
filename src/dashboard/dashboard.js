'use strict';
const API = '/api/v1';
const STATUSES = ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'];
const view = document.getElementById('view');
const state = { status: '', type: '' };
// Once keys are configured the API wants one: asked for once, kept for this browser tab only.
const auth = { key: sessionStorage.getItem('apiKey') || '', permissions: [] };
const headers = () => (auth.key ? { Authorization: `Bearer ${auth.key}` } : {});

class Unauthenticated extends Error {}
/** A refused API call, with its status and the error body's code (SHIPMENT_NOT_FOUND). */
class ApiError extends Error {
  constructor(status, body, statusText) {
    super(`${status} ${body.message || statusText}`);
    this.status = status;
    this.code = body.code;
  }
}

/** Builds an element; strings become text nodes (never HTML), so data cannot inject markup. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
async function get(path) {
  const res = await fetch(API + path, { headers: headers() });
  if (res.status === 401) throw new Unauthenticated();
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})), res.statusText);
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

/** The step definitions of a saga's type and version, by step name (from the in-memory listing, so cheap). */
async function stepsOf(saga) {
  const types = await get('/saga-types');
  const definition = types.find((t) => t.type === saga.type && t.version === saga.definitionVersion);
  return new Map((definition ? definition.steps : []).map((step) => [step.name, step]));
}

/**
 * History rows where a step that is not critical gave up: its last execute row is FAILED and the
 * saga went on without it (a later row of another step, or the saga ended), not a retry still to come.
 */
function nonCriticalFailures(saga, steps) {
  const { history } = saga;
  const last = new Map();
  history.forEach((row, i) => { if (row.action === 'execute') last.set(row.step, i); });
  const wentOn = (i) => !['STARTED', 'RUNNING'].includes(saga.status) || history.slice(i + 1).some((row) => row.step !== history[i].step);
  return new Set([...last.values()].filter((i) => history[i].status === 'FAILED' && steps.get(history[i].step)?.critical === false && wentOn(i)));
}

/** The order's shipment; an order without an address has none (404 SHIPMENT_NOT_FOUND). */
async function shipmentOf(orderId) {
  try {
    const shipment = await get(`/orders/${orderId}/shipment`);
    return [h('code', {}, shipment.id.slice(0, 8)), ` — ${shipment.status}, ${shipment.units} unit${shipment.units === 1 ? '' : 's'} to ${shipment.address ? `${shipment.address.city}, ${shipment.address.country}` : '—'}`,
      shipment.reason ? ` (${shipment.reason})` : ''];
  } catch (error) {
    if (error.code === 'SHIPMENT_NOT_FOUND') return h('span', { class: 'muted' }, 'nothing to ship');
    return h('span', { class: 'error' }, String(error.message));
  }
}

async function notificationsOf(orderId) {
  const list = await get(`/orders/${orderId}/notifications`).catch((error) => error);
  if (list instanceof Error) return h('span', { class: 'error' }, String(list.message));
  if (!list.length) return h('span', { class: 'muted' }, 'none sent');
  return h('ul', { class: 'plain' }, list.map((n) => h('li', { 'data-testid': 'notification' }, h('b', {}, n.kind), ` — “${n.subject}” by ${n.channel}, ${ago(n.createdAt)}`)));
}

async function renderSaga(id) {
  const saga = await get(`/sagas/${id}`);
  const [order, shipment, notifications, steps] = await Promise.all([
    saga.orderId ? get(`/orders/${saga.orderId}`).catch(() => null) : null,
    saga.orderId ? shipmentOf(saga.orderId) : null,
    saga.orderId ? notificationsOf(saga.orderId) : null,
    stepsOf(saga),
  ]);
  const wentOn = nonCriticalFailures(saga, steps);
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
        wentOn.size ? [h('dt', {}, 'went on without'), h('dd', { class: 'warn', 'data-testid': 'noncritical-failures' },
          [...wentOn].map((i) => `${saga.history[i].step} (${saga.history[i].message || 'failed'})`).join(', '), ' — not critical')] : [],
        saga.lastError ? [h('dt', {}, 'last error'), h('dd', { class: 'error' }, saga.lastError)] : [],
        h('dt', {}, 'order'), h('dd', { 'data-testid': 'order' }, order
          ? [h('code', {}, order.id), ` — ${order.status}, ${order.totalAmount} for ${order.customerId}`, order.failureReason ? ` (${order.failureReason})` : '']
          : saga.orderId || '—'),
        shipment ? [h('dt', {}, 'shipment'), h('dd', { 'data-testid': 'shipment' }, shipment)] : [],
        notifications ? [h('dt', {}, 'notifications'), h('dd', { 'data-testid': 'notifications' }, notifications)] : [],
        h('dt', {}, 'started'), h('dd', {}, new Date(saga.createdAt).toLocaleString()))),
    h('div', { class: 'card' }, h('h3', {}, 'Timeline'),
      h('ol', { class: 'timeline', 'data-testid': 'timeline' }, saga.history.map((s, i) => {
        const d = ms(s.timestamp, s.finishedAt);
        return h('li', { 'data-testid': 'step', class: s.action === 'compensate' && s.status === 'SUCCEEDED' ? 'COMPENSATED' : wentOn.has(i) ? 'WENT_ON' : s.status },
          h('span', { class: 'dot' }),
          h('div', {},
            h('div', {}, h('b', { 'data-testid': 'step-name' }, s.step), ` ${s.action}`, s.attempt > 1 ? ` · attempt ${s.attempt}` : '', ' · ',
              h('span', { class: `status ${s.status}`, 'data-testid': 'step-status' }, s.status), d !== null ? ` · ${d} ms` : '',
              wentOn.has(i) ? [' ', h('span', { class: 'badge warn', 'data-testid': 'noncritical-badge' }, 'not critical — saga went on')] : ''),
            s.message ? h('div', { class: s.status === 'FAILED' ? 'error' : 'muted' }, s.message) : '',
            h('div', { class: 'muted mono' }, ago(s.timestamp), s.traceId ? ` · trace ${s.traceId}` : ''),
            d !== null ? h('div', { class: 'bar', style: `width:${Math.max(1, (100 * d) / longest)}%` }) : ''));
      }))),
  );
}

/** Consecutive steps of one parallel group make one column; every other step is a column of its own. */
function columnsOf(steps) {
  const columns = [];
  for (const step of steps) {
    const previous = columns[columns.length - 1];
    if (step.group && previous && previous.group === step.group) previous.steps.push(step);
    else columns.push({ group: step.group, steps: [step] });
  }
  return columns;
}

function stepBox(step) {
  const badge = (testid, cls, text, title) => h('span', { class: `badge ${cls}`, 'data-testid': testid, title }, text);
  return h('div', { class: `box${step.critical ? '' : ' optional'}`, 'data-testid': 'type-step', 'data-step': step.name },
    h('b', {}, step.name),
    h('div', { class: 'badges' },
      step.hasCommand ? '' : badge('badge-at-start', 'muted', 'done at start', 'written by the transaction that starts the saga'),
      step.critical ? '' : badge('badge-not-critical', 'warn', 'not critical', 'its failure is recorded and the saga goes on'),
      step.conditional ? badge('badge-conditional', 'run', 'conditional', 'runs only when the saga\'s data calls for it') : '',
      step.hasCompensation ? badge('badge-compensation', 'ok', '↶ compensation', 'has a compensation') : ''));
}

/** Every registered saga type and version, drawn as its steps in order. */
async function renderTypes() {
  const types = await get('/saga-types');
  const versions = (type) => types.filter((t) => t.type === type).map((t) => `v${t.version}`).join(', ');
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all sagas')),
    ...types.map((t) => h('div', { class: 'card', 'data-testid': 'saga-type-card', 'data-type': t.type, 'data-version': t.version },
      h('h3', {}, `${t.type} v${t.version} `, h('span', { class: 'muted', 'data-testid': 'type-versions' }, `versions ${versions(t.type)}`),
        t.startable ? [' ', h('span', { class: 'badge ok' }, 'started by new sagas')] : ''),
      h('div', { class: 'flow' }, columnsOf(t.steps).map((c, i) => [
        i ? h('span', { class: 'arrow' }, '→') : '',
        c.steps.length > 1
          ? h('div', { class: 'col group', 'data-testid': 'step-group', 'data-group': c.group }, h('span', { class: 'muted' }, `‖ ${c.group}`), c.steps.map(stepBox))
          : h('div', { class: 'col' }, stepBox(c.steps[0])),
      ])))),
    types.length ? '' : h('p', { class: 'muted' }, 'No saga types registered.'),
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
    await (match ? renderSaga(match[1]) : location.hash === '#/types' ? renderTypes() : renderList());
    document.querySelector('.live').textContent = `live · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (error instanceof Unauthenticated) return renderKeyForm(Boolean(auth.key)); // no polling until a key is given
    view.replaceChildren(h('p', { class: 'error', 'data-testid': 'error' }, String(error.message || error)));
  }
  timer = setTimeout(refresh, 2000); // live: poll the REST API
}
window.addEventListener('hashchange', refresh);
refresh();
