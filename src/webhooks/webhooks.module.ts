import { Module } from '@nestjs/common';
import { WebhookFanout } from './webhook-fanout.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';
import { WebhooksController } from './webhooks.controller.js';

/**
 * Webhooks on order status, hosted with `order` (see `app.module.ts`): the order events a webhook
 * wants fan out to one outbox row per webhook, each POSTed signed (Standard Webhooks).
 */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookFanout, WebhookSender, WebhookSubscriptions],
})
export class WebhooksModule {}
