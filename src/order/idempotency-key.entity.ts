import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A client's Idempotency-Key: the request it was first used with and the answer it got. */
@Entity({ schema: 'orders', name: 'idempotency_keys' })
export class IdempotencyKey {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  /** SHA-256 of the request's canonical form: the same key with another request is refused. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  /** Null only inside the transaction that claimed the key. */
  @Column({ type: 'jsonb', nullable: true })
  response!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
