import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { StockLine } from './inventory.messages.js';

/**
 * The outcome of reserving stock for one order, kept so a repeated request gets the same
 * answer. RELEASED with no lines is a tombstone: the release arrived before the reservation,
 * so a late ReserveInventory for that order is refused. SHIPPED: its units left the warehouse
 * (ShipReservation); it can no longer be released.
 */
@Entity({ schema: 'inventory', name: 'reservations' })
export class Reservation {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId!: string;

  @Column({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  status!: 'RESERVED' | 'REJECTED' | 'RELEASED' | 'SHIPPED';

  @Column({ type: 'jsonb' })
  lines!: StockLine[];

  /** Why a REJECTED reservation was refused. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
