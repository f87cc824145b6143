import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ShippingAddress } from '../shipping/shipping.messages.js';
import { OrderItem } from './order-item.entity.js';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

@Entity({ schema: 'orders', name: 'orders' })
@Index('orders_customer_newest', ['customerId', 'createdAt', 'id'])
export class Order {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  status!: OrderStatus;

  /** Computed by the server from the items, exact decimal. */
  @Column({ name: 'total_amount', type: 'numeric', precision: 14, scale: 2 })
  totalAmount!: string;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** Where the order goes, as placed (country upper-case); null when it was placed without one. */
  @Column({ name: 'shipping_address', type: 'jsonb', nullable: true })
  shippingAddress!: ShippingAddress | null;

  @Column({ name: 'saga_id', type: 'uuid' })
  sagaId!: string;

  @OneToMany(() => OrderItem, (item) => item.order)
  items!: OrderItem[];

  /** Millisecond precision, like a JS Date, so a page cursor holds the exact value. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
