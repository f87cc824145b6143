import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig, MODULE_NAMES } from '../config/app-config.js';
import { restoreMessage } from './message.js';
import { Outbox } from './outbox.js';
import { ModuleQueues } from './rabbitmq/module-queues.js';

/**
 * The receiving side: with RABBITMQ_URL set, a process that hosts some of the modules consumes
 * their queues and accepts each batch into its own outbox, in one transaction, acknowledged to the broker
 * only after that commit. Its relay then delivers them as any local row (handed over at once, with
 * its retries, failure reports and dead letters), and the consumer's inbox applies a message the
 * broker delivered twice once. A batch that cannot be accepted goes back to the queue whole: a
 * message of a type this process does not know (an older instance in a rolling deploy) holds up
 * the ones behind it until an instance that knows it takes it.
 */
@Injectable()
export class ModuleInbound implements OnApplicationBootstrap {
  private readonly logger = new Logger(ModuleInbound.name);

  constructor(
    private readonly queues: ModuleQueues,
    private readonly db: DataSource,
    private readonly outbox: Outbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // A process hosting every module receives nothing from others: it declares no module queue.
    if (!this.config.rabbitmq.url || this.config.modules.length === MODULE_NAMES.length) return;
    // Not awaited: a broker that is away must not hold the start; the consumers register once it is back.
    this.queues
      .consume(this.config.modules, (messages) =>
        this.db.transaction((tx) => this.outbox.add(tx, messages.map(({ type, payload, meta }) => restoreMessage(type, payload, meta)))),
      )
      .catch((error: unknown) => this.logger.error(`cannot consume the queues of ${this.config.modules.join(', ')}: ${String(error)}`));
  }
}
