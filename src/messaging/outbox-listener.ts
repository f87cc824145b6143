import { Logger } from '@nestjs/common';
import pg from 'pg';

/** The channel the outbox trigger notifies on every insert. */
export const OUTBOX_CHANNEL = 'outbox';

/**
 * LISTENs for new outbox rows on a connection of its own and calls `onNotify` for each NOTIFY.
 * If the connection fails it connects again; the relay's polling covers the gap.
 */
export class OutboxListener {
  private readonly logger = new Logger(OutboxListener.name);
  private client?: pg.Client;
  private listening = false;

  constructor(
    private readonly databaseUrl: string,
    /** How long to wait before connecting again. */
    private readonly retryMs: number,
    private readonly onNotify: () => void,
  ) {}

  start(): void {
    this.listening = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.listening = false;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    if (!this.listening) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', () => this.onNotify());
    client.on('error', (error) => {
      if (!this.listening) return; // shutting down: the database may go first
      this.logger.warn(`LISTEN connection lost: ${error.message}`);
      client.end().catch(() => undefined);
      if (this.client === client) setTimeout(() => void this.connect(), this.retryMs);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.client = client;
      if (!this.listening) await client.end();
    } catch (error) {
      this.logger.warn(`LISTEN failed, polling only: ${String(error)}`);
      await client.end().catch(() => undefined);
      if (this.listening) setTimeout(() => void this.connect(), this.retryMs * 4);
    }
  }
}
