import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { genericPlan } from '../../test/support/generic-plan.js';
import { connectTestDatabase } from '../../test/support/test-database.js';
import { MOVE_STOCK, RESERVE, reserveOnce } from './stock.repository.js';

describe('reserveOnce', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await connectTestDatabase();
    await db.query(`INSERT INTO inventory.products (id, name, price, available, stocked) VALUES
      ('r_a', 'a', 1.00, 10, 10), ('r_b', 'b', 1.00, 3, 3), ('r_last', 'last', 1.00, 5, 5)`);
  });
  afterAll(() => db?.destroy());

  const stock = async (id: string) => (await db.query('SELECT available, reserved FROM inventory.products WHERE id = $1', [id]))[0];
  const reserve = (orderId: string, lines: { productId: string; quantity: number }[]) => db.transaction((tx) => reserveOnce(tx, orderId, lines));

  it('moves every line (the same product twice counts once, summed) and is RESERVED; asked again, the same reservation and nothing moves', async () => {
    const lines = [{ productId: 'r_b', quantity: 1 }, { productId: 'r_a', quantity: 2 }, { productId: 'r_b', quantity: 1 }];
    const first = await reserve('10000000-0000-4000-8000-000000000001', lines);
    expect(first).toMatchObject({ status: 'RESERVED', lines, reason: null });
    expect(await stock('r_a')).toEqual({ available: 8, reserved: 2 });
    expect(await stock('r_b')).toEqual({ available: 1, reserved: 2 });
    const again = await reserve('10000000-0000-4000-8000-000000000001', lines);
    expect(again).toEqual(first);
    expect(await stock('r_b')).toEqual({ available: 1, reserved: 2 });
  });

  it('moves nothing and is REJECTED when a line is short or unknown, naming the first such product by id', async () => {
    const short = await reserve('10000000-0000-4000-8000-000000000002', [{ productId: 'r_b', quantity: 2 }, { productId: 'r_a', quantity: 1 }]);
    expect(short).toMatchObject({ status: 'REJECTED', lines: [], reason: 'OUT_OF_STOCK:r_b' });
    const unknown = await reserve('10000000-0000-4000-8000-000000000003', [{ productId: 'r_zz', quantity: 1 }, { productId: 'r_a', quantity: 1 }, { productId: 'r_b', quantity: 5 }]);
    expect(unknown).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK:r_b' });
    const onlyUnknown = await reserve('10000000-0000-4000-8000-000000000004', [{ productId: 'r_zz', quantity: 1 }, { productId: 'r_a', quantity: 1 }]);
    expect(onlyUnknown).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT:r_zz' });
    expect(await stock('r_a')).toEqual({ available: 8, reserved: 2 });
    expect(await stock('r_b')).toEqual({ available: 1, reserved: 2 });
  });

  it('a release that came first leaves a tombstone: the late reservation is refused and nothing moves', async () => {
    const orderId = '10000000-0000-4000-8000-000000000005';
    await db.query(`INSERT INTO inventory.reservations (order_id, id, status, lines, reason) VALUES ($1, gen_random_uuid(), 'RELEASED', '[]', 'RELEASED_BEFORE_RESERVED')`, [orderId]);
    expect(await reserve(orderId, [{ productId: 'r_a', quantity: 1 }])).toMatchObject({ status: 'RELEASED' });
    expect(await stock('r_a')).toEqual({ available: 8, reserved: 2 });
  });

  it('reads and moves stock through the indexes, never scanning the catalogue whole', async () => {
    await db.query(`INSERT INTO inventory.products (id, name, price, available, stocked)
      SELECT 'many_' || n, 'many', 1.00, 10, 10 FROM generate_series(1, 5000) AS n`);
    await db.query(`INSERT INTO inventory.reservations (order_id, id, status, lines)
      SELECT gen_random_uuid(), gen_random_uuid(), 'RELEASED', '[]' FROM generate_series(1, 5000)`);
    await db.query('ANALYZE inventory.products, inventory.reservations');
    for (const statement of [RESERVE, MOVE_STOCK]) {
      const plan = await genericPlan(db, statement);
      expect(plan).toMatch(/Index Scan .*products_pkey/);
      expect(plan).not.toMatch(/Seq Scan on (products|reservations)/);
    }
  });

  it('20 concurrent orders for the last 5 units: 5 reserved, 15 refused, never oversold', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => reserve(`20000000-0000-4000-8000-${String(i).padStart(12, '0')}`, [{ productId: 'r_a', quantity: 1 }, { productId: 'r_last', quantity: 1 }])),
    );
    expect(outcomes.filter((r) => r.status === 'RESERVED')).toHaveLength(5);
    expect(outcomes.filter((r) => r.status === 'REJECTED').every((r) => r.reason === 'OUT_OF_STOCK:r_last')).toBe(true);
    expect(await stock('r_last')).toEqual({ available: 0, reserved: 5 });
    expect(await stock('r_a')).toEqual({ available: 3, reserved: 7 });
  });
});
