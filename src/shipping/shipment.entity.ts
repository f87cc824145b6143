import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ShipmentLine, ShipmentStatus } from './shipping.messages.js';

/**
 * One shipment per order: CREATED, REJECTED (a business "no", kept so a repeated request gets
 * the same answer), or CANCELLED. CANCELLED with the reason CANCELLED_BEFORE_CREATED and no lines
 * is a tombstone: the cancel came first, so a late CreateShipment for that order is refused.
 */
@Entity({ schema: 'shipping', name: 'shipments' })
export class Shipment {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'order_id', type: 'text', unique: true })
  orderId!: string;

  @Column({ type: 'text' })
  status!: ShipmentStatus;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  // The address, when the request had one (a tombstone and an ADDRESS_MISSING rejection have none).
  @Column({ type: 'text', nullable: true })
  street!: string | null;

  @Column({ type: 'text', nullable: true })
  city!: string | null;

  @Column({ type: 'text', nullable: true })
  state!: string | null;

  @Column({ name: 'zip_code', type: 'text', nullable: true })
  zipCode!: string | null;

  @Column({ type: 'text', nullable: true })
  country!: string | null;

  @Column({ type: 'jsonb' })
  lines!: ShipmentLine[];

  /** Units of all lines together. */
  @Column({ type: 'int' })
  units!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
