import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A product and its stock: `available` can be reserved, `reserved` is held for orders. */
@Entity({ schema: 'inventory', name: 'products' })
@Check('products_stock_not_negative', '"available" >= 0 AND "reserved" >= 0')
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
