import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The messages a consumer has applied: a redelivered one finds its row and changes nothing. */
@Entity({ schema: 'messaging', name: 'inbox' })
export class InboxRow {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ name: 'message_id', type: 'text' })
  messageId!: string;

  @CreateDateColumn({ name: 'applied_at', type: 'timestamptz' })
  appliedAt!: Date;
}
