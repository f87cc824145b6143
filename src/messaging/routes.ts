import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, MODULE_NAMES, type ModuleName } from '../config/app-config.js';
import { GrpcTransport } from './grpc-transport.js';
import { COMMAND_BUS_CONSUMER } from './message-consumers.js';
import { RabbitTransport } from './rabbit-transport.js';
import type { Transport } from './transport.js';

/**
 * Where an outbox row goes: a command to the module its type names (`payment.ProcessPayment` →
 * `payment`), anything else to its consumer (a reply's recipient, such as `saga`, is named after
 * its module; `integration-events` is a consumer of every process that publishes them).
 */
export function destinationOf(consumer: string, type: string): string {
  return consumer === COMMAND_BUS_CONSUMER ? type.slice(0, type.indexOf('.')) : consumer;
}

/**
 * The routing table: for each destination, `local` (a module or consumer of this process, with
 * every in-process fast path), the transport to the process that hosts it (`<MODULE>_GRPC_URL`,
 * `<MODULE>_TRANSPORT=rabbitmq`), or nothing: its rows wait for a relay of another process on
 * this database that can deliver them.
 */
@Injectable()
export class Routes implements OnApplicationBootstrap {
  private readonly logger = new Logger(Routes.name);
  /** The destinations this process cannot deliver to: the rows its relay leaves to others. */
  readonly unreachable: string[];

  constructor(
    private readonly grpc: GrpcTransport,
    private readonly rabbit: RabbitTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.unreachable = MODULE_NAMES.filter((m) => !config.modules.includes(m) && !config.routes[m]);
  }

  onApplicationBootstrap(): void {
    const remote = Object.entries(this.config.routes).map(([module, route]) => `${module} over ${route.transport}`);
    if (remote.length > 0) this.logger.log(`hosting ${this.config.modules.join(', ')}; reaching ${remote.join(', ')}`);
  }

  /**
   * `local`, the transport that reaches `destination`, or undefined when this process cannot
   * deliver to it (a business module it neither hosts nor reaches). Anything that is not a
   * business module (a process-level consumer) is local.
   */
  transportOf(destination: string): 'local' | Transport | undefined {
    const route = this.config.routes[destination as ModuleName];
    if (route) return route.transport === 'grpc' ? this.grpc : this.rabbit;
    return this.unreachable.includes(destination) ? undefined : 'local';
  }

}
