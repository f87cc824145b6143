import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A product and its stock: `available` can be reserved, `reserved` is held for orders, `shipped` has left for good. */
@Entity({ schema: 'inventory', name: 'products' })
@Check('products_stock_valid', '"available" >= 0 AND "reserved" >= 0 AND "shipped" >= 0 AND "available" + "reserved" + "shipped" <= "stocked"')
export class Product {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Catalogue unit price, exact decimal. */
  @Column({ type: 'numeric', precision: 14, scale: 2 })
  price!: string;

  @Column({ type: 'int' })
  available!: number;

  @Column({ type: 'int', default: 0 })
  reserved!: number;

  /** Units of shipped reservations: out of the warehouse, no longer available nor held. */
  @Column({ type: 'int', default: 0 })
  shipped!: number;

  /** Units ever put into stock: available + reserved + shipped never exceeds it (the consistency check compares). */
  @Column({ type: 'int' })
  stocked!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
