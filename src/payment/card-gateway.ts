import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export type ChargeResult = { approved: true } | { approved: false; reason: string };

/** How many keys the demo gateway remembers; a real one keeps them for a day or so. */
const KEYS_KEPT = 100_000;

/**
 * Stands in for the card network, the one thing a payment leaves the process for. Its demo
 * rule: totals above PAYMENT_DECLINE_ABOVE are declined.
 *
 * Like a real gateway it takes an idempotency key: a charge asked again with a key it has seen
 * answers the first result and charges nothing (a participant's work can run more than once: a
 * batch replayed row by row, a command sent again). Kept in memory, as the external system's
 * state would be outside this process.
 */
@Injectable()
export class CardGateway {
  private readonly results = new Map<string, ChargeResult>();
  /** Charges really made (not answered from a key seen before), for tests and demos. */
  private made = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  charge(idempotencyKey: string, amountCents: bigint): ChargeResult {
    const known = this.results.get(idempotencyKey);
    if (known) return known;
    const result: ChargeResult = amountCents > this.config.paymentDeclineAboveCents ? { approved: false, reason: 'CARD_DECLINED' } : { approved: true };
    this.made++;
    this.results.set(idempotencyKey, result);
    if (this.results.size > KEYS_KEPT) this.results.delete(this.results.keys().next().value!); // the oldest
    return result;
  }

  /** How many charges reached the card network (a repeated key does not). */
  get chargesMade(): number {
    return this.made;
  }
}
