/// <reference lib="dom" />
// `npm run test:browser`: the dashboard in a real headless Chromium (Debian's `chromium`,
// driven by playwright-core). Screenshots go to test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { FaultInjector } from '../../src/messaging/fault-injector.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
const ADDRESS = { street: '1 Market Street', city: 'San Francisco', state: 'CA', zipCode: '94105', country: 'US' };
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('saga dashboard in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  const sagas: Record<string, { id: string; sagaId: string }> = {};
  const consoleErrors: string[] = [];
  let place: (quantity: number, more?: object) => Promise<{ id: string; sagaId: string }>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // Few, quick retries: a notification that keeps failing gives up fast.
    t = await startTestApp({ env: { PLACE_ORDER_SAGA_VERSION: '2', SAGA_COMPENSATION_ATTEMPTS: '1', SAGA_RETRY_ATTEMPTS: '2', SAGA_RETRY_DELAY_MS: '20' } });
    base = `http://127.0.0.1:${(t.http.address() as { port: number }).port}`;
    await request(t.http).post('/api/v1/products').send({ id: 'ui_beans', name: 'beans', price: '300.00', stock: 100 }).expect(201);
    place = async (quantity, more = {}) =>
      (await request(t.http).post('/api/v1/orders').send({ customerId: 'cust_ui', items: [{ productId: 'ui_beans', quantity, price: '300.00' }], ...more }).expect(201)).body;
    sagas.completed = await place(1);
    sagas.compensated = await place(2); // 600.00: declined
    await t.waitForSaga(sagas.completed.sagaId);
    await t.waitForSaga(sagas.compensated.sagaId);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    // A script error, or anything the content security policy refused (the favicon's 404 aside).
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) consoleErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists a completed and a compensated saga with counts per status', async () => {
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('[data-testid="saga-row"]');
    const rows = page.locator('[data-testid="saga-row"]');
    expect(await rows.count()).toBe(2);
    const statusOf = (sagaId: string) => page.locator(`[data-saga-id="${sagaId}"] [data-testid="saga-status"]`).textContent();
    expect(await statusOf(sagas.completed.sagaId)).toBe('COMPLETED');
    expect(await statusOf(sagas.compensated.sagaId)).toBe('COMPENSATED');
    // Each saga with the version of its definition it runs on.
    expect(await page.locator(`[data-saga-id="${sagas.completed.sagaId}"] [data-testid="saga-type"]`).textContent()).toBe('place-order v2');
    expect(await page.locator('[data-testid="count-COMPLETED"] b').textContent()).toBe('1');
    expect(await page.locator('[data-testid="count-COMPENSATED"] b').textContent()).toBe('1');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-list.png`, fullPage: true });

    // Filtering by status leaves the one saga of that status.
    await page.click('[data-testid="count-COMPENSATED"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="saga-row"]').length === 1);
    expect(await page.locator('[data-testid="saga-row"]').getAttribute('data-saga-id')).toBe(sagas.compensated.sagaId);
  });

  it("opens a saga: its steps in order, with their statuses, the order and the trace", async () => {
    await page.goto(`${base}/dashboard#/sagas/${sagas.compensated.sagaId}`);
    await page.waitForSelector('[data-testid="step"]');
    expect(await page.locator('[data-testid="detail-status"]').textContent()).toBe('COMPENSATED');
    const steps = await page.locator('[data-testid="step"]').evaluateAll((items) =>
      items.map((li) => `${li.querySelector('[data-testid="step-name"]')!.textContent} ${li.textContent!.includes('compensate') ? 'compensate' : 'execute'} ${li.querySelector('[data-testid="step-status"]')!.textContent}`),
    );
    expect(steps).toEqual([
      'create-order execute SUCCEEDED',
      'reserve-inventory execute SUCCEEDED',
      'authorize-payment execute FAILED',
      'reserve-inventory compensate SUCCEEDED',
      'create-order compensate SUCCEEDED',
    ]);
    expect(await page.locator('[data-testid="order"]').textContent()).toContain('CANCELLED');
    expect(await page.locator('[data-testid="timeline"]').textContent()).toContain('CARD_DECLINED');
    // No address, so no shipment; a declined payment is no failure of a step that is not critical.
    expect(await page.locator('[data-testid="shipment"]').textContent()).toBe('nothing to ship');
    expect(await page.locator('[data-testid="noncritical-badge"]').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-saga.png`, fullPage: true });
  });

  it('draws each saga type and version: a parallel group in one column, conditional and non-critical steps marked', async () => {
    await page.goto(`${base}/dashboard`);
    await page.click('[data-testid="types-link"]');
    const v2 = page.locator('[data-testid="saga-type-card"][data-type="place-order"][data-version="2"]');
    await v2.waitFor();
    expect(await page.locator('[data-testid="saga-type-card"][data-type="place-order"][data-version="1"]').count()).toBe(1);
    expect(await v2.locator('[data-testid="type-versions"]').textContent()).toBe('versions v1, v2');
    // The steps in order, one column each, but the hold group's two members share one.
    const columns = await v2.locator('.flow > .col').evaluateAll((cols) => cols.map((c) => [...c.querySelectorAll('[data-testid="type-step"]')].map((b) => b.getAttribute('data-step')).join(' ‖ ')));
    expect(columns).toEqual(['create-order', 'reserve-inventory ‖ authorize-payment', 'capture-payment', 'create-shipment', 'ship-inventory', 'confirm-order', 'notify-customer']);
    const box = (step: string) => v2.locator(`[data-testid="type-step"][data-step="${step}"]`);
    const hold = v2.locator('[data-testid="step-group"][data-group="hold"]');
    expect(await hold.locator('[data-testid="type-step"]').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('data-step')))).toEqual(['reserve-inventory', 'authorize-payment']);
    const [reserve, authorize] = [await box('reserve-inventory').boundingBox(), await box('authorize-payment').boundingBox()];
    expect(authorize!.x).toBe(reserve!.x); // side by side in time: one above the other, in the same column
    expect(authorize!.y).toBeGreaterThan(reserve!.y);
    const marked = (testid: string) => v2.locator(`[data-testid="type-step"]:has([data-testid="${testid}"])`).evaluateAll((boxes) => boxes.map((b) => b.getAttribute('data-step')));
    expect(await marked('badge-not-critical')).toEqual(['notify-customer']);
    expect(await marked('badge-conditional')).toEqual(['create-shipment']);
    expect(await marked('badge-compensation')).toEqual(['create-order', 'reserve-inventory', 'authorize-payment', 'capture-payment', 'create-shipment']);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-types.png`, fullPage: true });
  });

  it("shows the order's shipment and its notification beside the order", async () => {
    const shipped = await place(1, { shippingAddress: ADDRESS });
    expect(await t.waitForSaga(shipped.sagaId)).toBe('COMPLETED');
    await page.goto(`${base}/dashboard#/sagas/${shipped.sagaId}`);
    await page.waitForSelector('[data-testid="notification"]');
    expect(await page.locator('[data-testid="order"]').textContent()).toContain('CONFIRMED');
    expect(await page.locator('[data-testid="shipment"]').textContent()).toMatch(/CREATED, 1 unit to San Francisco, US/);
    expect(await page.locator('[data-testid="notification"]').allTextContents()).toEqual([expect.stringContaining('ORDER_CONFIRMED')]);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-shipment.png`, fullPage: true });
  });

  it('shows a notification that could not be sent as a failure the saga went on past', async () => {
    const faults = t.app.get(FaultInjector);
    faults.failNext('notification.SendNotification', Infinity);
    const unnotified = await place(1);
    expect(await t.waitForSaga(unnotified.sagaId)).toBe('COMPLETED');
    faults.clear();
    expect((await request(t.http).get(`/api/v1/orders/${unnotified.id}`).expect(200)).body.status).toBe('CONFIRMED');

    await page.goto(`${base}/dashboard#/sagas/${unnotified.sagaId}`);
    await page.waitForSelector('[data-testid="noncritical-badge"]');
    expect(await page.locator('[data-testid="detail-status"]').textContent()).toBe('COMPLETED');
    // Only the attempt it gave up on is marked, not the one retried before it.
    const failedRows = page.locator('[data-testid="step"]:has([data-testid="step-status"]:text-is("FAILED"))');
    expect(await failedRows.evaluateAll((rows) => rows.map((r) => `${r.querySelector('[data-testid="step-name"]')!.textContent} ${r.querySelector('[data-testid="noncritical-badge"]') ? 'went on' : 'retried'}`)))
      .toEqual(['notify-customer retried', 'notify-customer went on']);
    expect(await page.locator('[data-testid="noncritical-failures"]').textContent()).toContain('notify-customer');
    expect(await page.locator('[data-testid="notifications"]').textContent()).toBe('none sent');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-noncritical.png`, fullPage: true });
  });

  it('retries a FAILED saga from its page, and shows it finish', async () => {
    const faults = t.app.get(FaultInjector);
    faults.failNext('inventory.ReleaseInventory', Infinity);
    const failed = (await request(t.http).post('/api/v1/orders').send({ customerId: 'cust_ui', items: [{ productId: 'ui_beans', quantity: 2, price: '300.00' }] }).expect(201)).body;
    expect(await t.waitForSaga(failed.sagaId)).toBe('FAILED');
    faults.clear();

    await page.goto(`${base}/dashboard#/sagas/${failed.sagaId}`);
    await page.waitForSelector('[data-testid="retry"]');
    expect(await page.locator('[data-testid="detail-status"]').textContent()).toBe('FAILED');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-failed.png`, fullPage: true });
    await page.click('[data-testid="retry"]');
    await t.waitForSaga(failed.sagaId);
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-status"]')?.textContent === 'COMPENSATED', undefined, { timeout: 10_000 });
    expect(await page.locator('[data-testid="retry"]').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});

describe('saga dashboard with API keys', () => {
  const KEYS = { viewer: 'ui-viewer-secret-000001', operator: 'ui-operator-secret-00001', admin: 'ui-admin-secret-00000001' };
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  let failed: { sagaId: string };

  beforeAll(async () => {
    t = await startTestApp({ env: { SAGA_COMPENSATION_ATTEMPTS: '1', API_KEYS: Object.entries(KEYS).map(([role, key]) => `ui-${role}:${role}:${key}`).join(',') } });
    base = `http://127.0.0.1:${(t.http.address() as { port: number }).port}`;
    const admin = { Authorization: `Bearer ${KEYS.admin}` };
    await request(t.http).post('/api/v1/products').set(admin).send({ id: 'ui_keys', name: 'beans', price: '300.00', stock: 100 }).expect(201);
    const faults = t.app.get(FaultInjector);
    faults.failNext('inventory.ReleaseInventory', Infinity);
    failed = (await request(t.http).post('/api/v1/orders').set(admin).send({ customerId: 'cust_ui', items: [{ productId: 'ui_keys', quantity: 2, price: '300.00' }] }).expect(201)).body;
    expect(await t.waitForSaga(failed.sagaId)).toBe('FAILED');
    faults.clear();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const enterKey = async (key: string) => {
    await page.waitForSelector('[data-testid="key-form"]');
    await page.fill('[data-testid="key-input"]', key);
    await page.click('[data-testid="key-submit"]');
  };

  it('asks for a key, refuses a wrong one, and keeps a good one for the browser session', async () => {
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('[data-testid="key-form"]');
    expect(await page.locator('[data-testid="saga-row"]').count()).toBe(0);
    await enterKey('not-a-key-at-all-0000000');
    await page.waitForFunction(() => document.querySelector('[data-testid="key-message"]')?.textContent === 'That key was refused.');
    await enterKey(KEYS.viewer);
    await page.waitForSelector('[data-testid="saga-row"]');
    expect(await page.locator('[data-testid="who"]').textContent()).toContain('ui-viewer (viewer)');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-keys-viewer.png`, fullPage: true });
    await page.reload(); // the same tab: no second prompt
    await page.waitForSelector('[data-testid="saga-row"]');
    expect(await page.locator('[data-testid="key-form"]').count()).toBe(0);
  });

  it('shows Retry to an operator only, and the retry works', async () => {
    await page.goto(`${base}/dashboard#/sagas/${failed.sagaId}`);
    await page.waitForSelector('[data-testid="detail-status"]');
    expect(await page.locator('[data-testid="detail-status"]').textContent()).toBe('FAILED');
    expect(await page.locator('[data-testid="retry"]').count()).toBe(0); // a viewer

    await page.click('[data-testid="forget-key"]');
    await enterKey(KEYS.operator);
    await page.waitForSelector('[data-testid="retry"]');
    expect(await page.locator('[data-testid="who"]').textContent()).toContain('ui-operator (operator)');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-keys-operator.png`, fullPage: true });
    await page.click('[data-testid="retry"]');
    await t.waitForSaga(failed.sagaId);
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-status"]')?.textContent === 'COMPENSATED', undefined, { timeout: 10_000 });
  });
});
