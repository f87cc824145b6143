import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An Idempotency-Key of a saga the saga module started over the API, and the saga it started. */
@Entity({ schema: 'saga', name: 'idempotency_keys' })
export class SagaIdempotencyKey {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  /** SHA-256 of the request's canonical form (type and validated payload): the same key with another request is refused. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ name: 'saga_id', type: 'uuid' })
  sagaId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
