import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { afterCommit } from '../database/transaction-hooks.js';
import type { DeliveryContext } from '../messaging/delivery-context.js';
import type { Message } from '../messaging/message.js';
import { MessageConsumers } from '../messaging/message-consumers.js';
import { Metrics } from '../observability/metrics.js';
import { WEBHOOKS_DESTINATION } from './webhook-fanout.js';
import { post } from './webhook-post.js';
import { signedHeaders } from './webhook-signature.js';
import { resolveTarget, TargetRefused } from './webhook-target.js';
import { WebhookDelivery } from './webhook.messages.js';
import { targetsOf } from './webhooks.repository.js';

/** The consumer that POSTs each `WebhookDelivery`. */
export const WEBHOOK_SENDER_CONSUMER = 'webhook-sender';

/** What one attempt came to: sent (2xx, or nothing to send), or the reason it failed. */
type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * Sends webhooks, each an outbox row the relay delivers like any message: a non-2xx answer, a
 * network error or a timeout throws, so the relay retries the row with its backoff and past
 * RELAY_MAX_ATTEMPTS dead-letters it (re-drivable from the dead-letter API).
 *
 * The POSTs of a batch go out together, before its handlers run. If one fails, the relay rolls
 * the batch back and delivers its rows again one by one, in the same claim: the outcome of each
 * row's attempt is kept here by claim token for that replay, so a receiver that answered 2xx is
 * not called again and a failed one is not waited on twice.
 */
@Injectable()
export class WebhookSender implements OnModuleInit {
  private readonly logger = new Logger(WebhookSender.name);
  /** Outcomes of the attempts of the current claims, by `messageId/claimToken`, with when they are forgotten. */
  private readonly attempts = new Map<string, { outcome: Outcome; until: number }>();

  constructor(
    private readonly consumers: MessageConsumers,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.consumers.register<Map<Message, Outcome>>(WEBHOOK_SENDER_CONSUMER, (message, _delivery, outcomes) => this.settle(message, outcomes), {
      events: [WebhookDelivery.type],
      beforeBatch: (delivery, messages) => this.sendAll(delivery, messages),
      destination: WEBHOOKS_DESTINATION,
    });
  }

  private async settle(message: Message, outcomes: Map<Message, Outcome>): Promise<void> {
    const outcome = outcomes.get(message);
    if (outcome && !outcome.ok) throw new Error(outcome.reason);
  }

  /** Sends every message of the batch not sent in this claim yet, side by side; the outcome of each. */
  private async sendAll(delivery: DeliveryContext, messages: Message[]): Promise<Map<Message, Outcome>> {
    const now = Date.now();
    for (const [key, { until }] of this.attempts) if (until < now) this.attempts.delete(key);
    const deliveries = messages as WebhookDelivery[];
    const targets = await targetsOf(delivery.tx, [...new Set(deliveries.map((d) => d.data.webhookId))]);
    const keys = deliveries.map((d) => `${d.meta.messageId}/${delivery.rowOf(d)?.row.claimToken ?? ''}`);
    const outcomes = await Promise.all(
      deliveries.map(async (d, i) => {
        const known = this.attempts.get(keys[i])?.outcome;
        if (known) return known;
        const outcome = await this.send(d, targets.get(d.data.webhookId));
        this.attempts.set(keys[i], { outcome, until: now + this.config.relay.leaseMs });
        return outcome;
      }),
    );
    afterCommit(delivery.tx, () => keys.forEach((key) => this.attempts.delete(key)));
    return new Map(deliveries.map((d, i) => [d, outcomes[i]]));
  }

  /** One attempt: resolved and checked again now (the name may point elsewhere since it was registered), signed, POSTed. */
  private async send(delivery: WebhookDelivery, target: { url: string; secret: string } | undefined): Promise<Outcome> {
    if (!target) {
      this.metrics.webhookDeliveries.inc({ outcome: 'dropped' }); // its webhook was deleted: nobody to tell
      return { ok: true };
    }
    const body = JSON.stringify(delivery.data.body);
    try {
      const resolved = await resolveTarget(target.url, this.config.webhooks.allowPrivate);
      const status = await post(resolved, signedHeaders(target.secret, delivery.meta.messageId, body), body, this.config.webhooks.timeoutMs);
      if (status >= 200 && status < 300) {
        this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
        return { ok: true };
      }
      this.metrics.webhookDeliveries.inc({ outcome: 'rejected' });
      return { ok: false, reason: `webhook ${delivery.data.webhookId} answered ${status}` };
    } catch (error) {
      const refused = error instanceof TargetRefused;
      this.metrics.webhookDeliveries.inc({ outcome: refused ? 'refused' : 'unreachable' });
      const reason = `webhook ${delivery.data.webhookId}: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.debug(reason);
      return { ok: false, reason };
    }
  }
}
