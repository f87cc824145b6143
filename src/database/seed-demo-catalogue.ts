import type { DataSource } from 'typeorm';

/** A small catalogue so the README's curl commands work on a fresh start. */
export const DEMO_PRODUCTS = [
  { id: 'prod_1', name: 'Espresso beans 1 kg', price: '19.99', stock: 100 },
  { id: 'prod_2', name: 'Pour-over kettle', price: '49.90', stock: 25 },
  { id: 'prod_3', name: 'Burr grinder', price: '649.00', stock: 5 },
];

/** Inserts the demo products once: an existing product (and its stock) is left as it is. */
export async function seedDemoCatalogue(db: DataSource): Promise<void> {
  await db.query(
    `INSERT INTO inventory.products (id, name, price, available, stocked)
     SELECT id, name, price, stock, stock FROM unnest($1::text[], $2::text[], $3::numeric[], $4::int[]) AS p(id, name, price, stock)
     ON CONFLICT (id) DO NOTHING`,
    [DEMO_PRODUCTS.map((p) => p.id), DEMO_PRODUCTS.map((p) => p.name), DEMO_PRODUCTS.map((p) => p.price), DEMO_PRODUCTS.map((p) => p.stock)],
  );
}
