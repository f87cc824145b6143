import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Inbox } from './inbox.js';
import { MessageConsumers } from './message-consumers.js';
import { Outbox } from './outbox.js';
import { Relay } from './relay.js';

/** Business-free plumbing every module uses: outbox, inbox, relay and the consumer registry. */
@Global()
@Module({
  imports: [CqrsModule],
  providers: [Outbox, Inbox, Relay, MessageConsumers],
  exports: [CqrsModule, Outbox, Inbox, Relay, MessageConsumers],
})
export class MessagingModule {}
