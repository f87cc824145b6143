import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Row counts of every table a request could write to, once the relay is idle. */
async function footprint(t: TestApp): Promise<Record<string, number>> {
  await t.drain();
  const { rows } = await t.sql.query(`
    SELECT (SELECT count(*) FROM orders.orders)::int AS orders,
           (SELECT count(*) FROM orders.order_items)::int AS items,
           (SELECT count(*) FROM orders.idempotency_keys)::int AS keys,
           (SELECT count(*) FROM saga.saga_instances)::int AS sagas,
           (SELECT count(*) FROM messaging.outbox)::int AS outbox,
           (SELECT count(*) FROM inventory.products)::int AS products`);
  return rows[0];
}

describe('order input: idempotency and validation', () => {
  let t: TestApp;
  const body = { customerId: 'cust_idem', items: [{ productId: 'idem_beans', quantity: 2, price: '19.99' }] };

  beforeAll(async () => {
    t = await startTestApp();
    await request(t.http).post('/api/v1/products').send({ id: 'idem_beans', name: 'beans', price: 19.99, stock: 100 }).expect(201);
  });
  afterAll(() => t?.close());

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, and places one order', async () => {
      const first = await request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-replay').send(body).expect(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      await t.drain(); // the order moves on; the replay still answers as the first time
      // The same request spelled differently (number instead of string) is the same request.
      const again = { ...body, items: [{ ...body.items[0], price: 19.99 }] };
      const replay = await request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-replay').send(again).expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      const { rows } = await t.sql.query('SELECT count(*)::int AS n FROM orders.orders WHERE customer_id = $1', ['cust_idem']);
      expect(rows[0].n).toBe(1);
    });

    it('accepts X-Idempotency-Key too', async () => {
      const first = await request(t.http).post('/api/v1/orders').set('X-Idempotency-Key', 'key-x').send(body).expect(201);
      const replay = await request(t.http).post('/api/v1/orders').set('X-Idempotency-Key', 'key-x').send(body).expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe(first.body.id);
    });

    it('refuses the same key with a different body (422) and creates nothing', async () => {
      await request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-mismatch').send(body).expect(201);
      const before = await footprint(t);
      const other = { ...body, items: [{ ...body.items[0], quantity: 3 }] };
      const res = await request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-mismatch').send(other).expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await footprint(t)).toEqual(before);
    });

    it('concurrent duplicates make exactly one order', async () => {
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-race').send({ ...body, customerId: 'cust_race' })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(12).fill(201));
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      const { rows } = await t.sql.query(
        `SELECT (SELECT count(*) FROM orders.orders WHERE customer_id = 'cust_race')::int AS orders,
                (SELECT count(*) FROM saga.saga_instances WHERE data->>'customerId' = 'cust_race')::int AS sagas`,
      );
      expect(rows[0]).toEqual({ orders: 1, sagas: 1 });
      await t.drain();
      await expectBalanced(t.sql, { idem_beans: 100 });
    });

    it('a refused order among concurrent ones (which may share a transaction) fails alone and leaves nothing', async () => {
      await request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-among').send(body).expect(201);
      const before = await footprint(t);
      const other = { ...body, items: [{ ...body.items[0], quantity: 3 }] };
      const responses = await Promise.all([
        ...Array.from({ length: 8 }, (_, i) => request(t.http).post('/api/v1/orders').set('Idempotency-Key', `key-among-${i}`).send({ ...body, customerId: 'cust_among' })),
        request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'key-among').send(other),
      ]);
      expect(responses.map((r) => r.status)).toEqual([...Array(8).fill(201), 422]);
      const after = await footprint(t);
      // Eight orders, each with its line, key and saga, and its saga's 12 messages (six commands, six replies): nothing of the ninth.
      expect(after).toEqual({ ...before, orders: before.orders + 8, items: before.items + 8, keys: before.keys + 8, sagas: before.sagas + 8, outbox: before.outbox + 96 });
      await expectBalanced(t.sql, { idem_beans: 100 });
    });

    it('refuses a malformed key', async () => {
      const res = await request(t.http).post('/api/v1/orders').set('Idempotency-Key', 'has spaces').send(body).expect(400);
      expect(res.body.message).toMatch(/Idempotency-Key/);
    });
  });

  describe('bad input is a 400 that names the field and changes nothing', () => {
    const item = { productId: 'idem_beans', quantity: 1, price: '1.00' };
    const cases: [string, unknown, RegExp][] = [
      ['empty item list', { customerId: 'c', items: [] }, /items/],
      ['missing items', { customerId: 'c' }, /items/],
      ['missing customerId', { items: [item] }, /customerId/],
      ['empty customerId', { customerId: '', items: [item] }, /customerId/],
      ['zero quantity', { customerId: 'c', items: [{ ...item, quantity: 0 }] }, /items\.0\.quantity/],
      ['negative quantity', { customerId: 'c', items: [{ ...item, quantity: -2 }] }, /items\.0\.quantity/],
      ['fractional quantity', { customerId: 'c', items: [{ ...item, quantity: 1.5 }] }, /items\.0\.quantity/],
      ['quantity as a string', { customerId: 'c', items: [{ ...item, quantity: '2' }] }, /items\.0\.quantity/],
      ['price with 3 decimals', { customerId: 'c', items: [{ ...item, price: '1.999' }] }, /items\.0\.price/],
      ['price as a number with 3 decimals', { customerId: 'c', items: [{ ...item, price: 1.999 }] }, /items\.0\.price/],
      ['zero price', { customerId: 'c', items: [{ ...item, price: 0 }] }, /items\.0\.price/],
      ['negative price', { customerId: 'c', items: [{ ...item, price: '-5.00' }] }, /items\.0\.price/],
      ['price in exponent form', { customerId: 'c', items: [{ ...item, price: '1e3' }] }, /items\.0\.price/],
      ['missing price', { customerId: 'c', items: [{ productId: 'idem_beans', quantity: 1 }] }, /items\.0\.price/],
      ['missing productId', { customerId: 'c', items: [{ quantity: 1, price: '1.00' }] }, /items\.0\.productId/],
      ['unknown top-level field', { customerId: 'c', items: [item], totalAmount: '0.01' }, /totalAmount/],
      ['unknown item field', { customerId: 'c', items: [{ ...item, discount: 5 }] }, /items\.0\.discount/],
      ['items not an array', { customerId: 'c', items: 'lots' }, /items/],
      ['a JSON array body', [item], /customerId|items|object/],
    ];

    it.each(cases)('%s', async (_name, payload, field) => {
      const before = await footprint(t);
      const res = await request(t.http).post('/api/v1/orders').set('Idempotency-Key', `bad-${_name.replaceAll(' ', '-')}`).send(payload as object).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.message).toMatch(field);
      expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
      expect(await footprint(t)).toEqual(before);
    });

    it('malformed JSON is a 400 without a stack trace', async () => {
      const before = await footprint(t);
      const res = await request(t.http).post('/api/v1/orders').set('Content-Type', 'application/json').send('{"customerId": "c", "items": [').expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_BODY', message: 'Request body is not valid JSON' });
      expect(res.text).not.toMatch(/SyntaxError|node_modules|\bat /);
      expect(await footprint(t)).toEqual(before);
    });

    it('a body over 1 MB is a 413', async () => {
      const before = await footprint(t);
      const huge = { customerId: 'c', items: [item], padding: 'x'.repeat(1_100_000) };
      const res = await request(t.http).post('/api/v1/orders').send(huge).expect(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(await footprint(t)).toEqual(before);
    });

    it('bad product input is a 400 and an existing product id a 409', async () => {
      const before = await footprint(t);
      await request(t.http).post('/api/v1/products').send({ name: 'x', price: '1.001', stock: 1 }).expect(400);
      await request(t.http).post('/api/v1/products').send({ name: 'x', price: '1.00', stock: -1 }).expect(400);
      await request(t.http).post('/api/v1/products').send({ id: 'bad id!', name: 'x', price: '1.00', stock: 1 }).expect(400);
      const dup = await request(t.http).post('/api/v1/products').send({ id: 'idem_beans', name: 'x', price: '1.00', stock: 1 }).expect(409);
      expect(dup.body.code).toBe('PRODUCT_EXISTS');
      expect(await footprint(t)).toEqual(before);
      const made = await request(t.http).post('/api/v1/products').send({ name: 'generated', price: 2.5, stock: 3 }).expect(201);
      expect(made.body).toMatchObject({ id: expect.stringMatching(/^prod_/), price: '2.50', available: 3, reserved: 0 });
    });
  });
});
