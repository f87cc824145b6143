import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { SagaEngine } from './saga-engine.js';

/**
 * Fires saga timers. A timer is the saga row's own `timeout_at`, written in the transaction
 * that changed the saga, so it survives restarts and is never apart from the state it guards.
 * Every instance polls; the row lock (SKIP LOCKED) lets one of them fire each timer.
 */
@Injectable()
export class SagaTimers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SagaTimers.name);
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly db: DataSource,
    private readonly engine: SagaEngine,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.relay.enabled) this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined; // stops the loop after the sweep in hand
    await this.sweeping;
  }

  /** Fires every timer that is due; returns how many fired. */
  sweep(): Promise<number> {
    this.sweeping = this.sweeping.then(() => this.fireDue()).catch((error: unknown) => {
      this.logger.warn(`timer sweep failed: ${String(error)}`);
      return 0;
    });
    return this.sweeping;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.sweep().finally(() => {
        if (this.timer) this.schedule();
      });
    }, this.config.saga.timerPollMs);
  }

  /**
   * One saga's failure never holds up the others': a saga whose timer cannot be handled is
   * poisoned by the engine (its timer pushed out, then FAILED); what still throws here (the
   * database is gone) is logged, and the sweep goes on to the next saga.
   */
  private async fireDue(): Promise<number> {
    const due: { id: string }[] = await this.db.query(
      `SELECT id FROM saga.saga_instances WHERE timeout_at <= now() ORDER BY timeout_at LIMIT 100`,
    );
    let fired = 0;
    const failed: unknown[] = [];
    for (const { id } of due) {
      try {
        if (await this.engine.onTimer(id)) fired++;
      } catch (error) {
        failed.push(error);
      }
    }
    if (failed.length > 0) this.logger.warn(`${failed.length} of ${due.length} due timers failed, first: ${String(failed[0])}`);
    return fired;
  }
}
