import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { NotificationKind } from './notification.messages.js';

/** One notification sent to a customer: at most one per order and kind. */
@Entity({ schema: 'notification', name: 'notifications' })
@Index('notifications_order_id_kind_key', ['orderId', 'kind'], { unique: true })
export class Notification {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  kind!: NotificationKind;

  @Column({ type: 'text' })
  channel!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
