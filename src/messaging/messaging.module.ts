import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DeadLettersController } from './dead-letters.controller.js';
import { Delivery } from './delivery.js';
import { FaultInjector } from './fault-injector.js';
import { Inbox } from './inbox.js';
import { IntegrationPublisher } from './integration-publisher.js';
import { MessageConsumers } from './message-consumers.js';
import { Outbox } from './outbox.js';
import { Participant } from './participant.js';
import { MODULE_QUEUES_OPTIONS, ModuleQueues } from './rabbitmq/module-queues.js';
import { RabbitMqConnection } from './rabbitmq/rabbitmq-connection.js';
import { Relay } from './relay.js';
import { RelayHandoff } from './relay-handoff.js';
import { GrpcTransport } from './grpc-transport.js';
import { Routes } from './routes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ModuleInbound } from './module-inbound.js';
import { RabbitTransport } from './rabbit-transport.js';

/** Business-free plumbing every module uses: outbox, inbox, relay, the consumer registry, fault injection, the publisher of integration events, and the RabbitMQ connection and module queues. */
@Global()
@Module({
  imports: [CqrsModule],
  controllers: [DeadLettersController],
  providers: [
    ...[Outbox, Inbox, Delivery, Relay, RelayHandoff, MessageConsumers, FaultInjector, Participant, IntegrationPublisher],
    ...[Routes, GrpcTransport, RabbitMqConnection, ModuleQueues, RabbitTransport, ModuleInbound],
    { provide: MODULE_QUEUES_OPTIONS, useFactory: (config: AppConfig) => ({ prefix: config.rabbitmq.queuePrefix }), inject: [APP_CONFIG] },
  ],
  exports: [CqrsModule, Outbox, Inbox, Relay, MessageConsumers, FaultInjector, Participant, RabbitMqConnection, ModuleQueues],
})
export class MessagingModule {}
