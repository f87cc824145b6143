import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export type ChargeResult = { approved: true } | { approved: false; reason: string };

/** What the gateway says to a capture or a void of a hold: done, or why it cannot be. */
export type HoldResult = { ok: true } | { ok: false; reason: 'HOLD_CAPTURED' | 'HOLD_VOIDED' };

type HoldState = 'HELD' | 'CAPTURED' | 'VOIDED';

/** How many keys (and holds) the demo gateway remembers; a real one keeps them for a day or so. */
const KEYS_KEPT = 100_000;

/**
 * Stands in for the card network, the one thing a payment leaves the process for. Its demo
 * rule: totals above PAYMENT_DECLINE_ABOVE are declined, whether charged or authorised.
 *
 * Like a real gateway it takes an idempotency key on every call: a call asked again with a key
 * it has seen answers the first result and does nothing (a participant's work can run more than
 * once: a batch replayed row by row, a command sent again). Kept in memory, as the external
 * system's state would be outside this process.
 *
 * Besides a charge (authorise and capture at once) it holds money: `authorize` puts a hold on
 * the card, `capture` takes the held amount, `void` releases it. A hold is named by the
 * merchant's reference (the order id), as a real gateway lets a merchant look one up by its own
 * reference; so a payment row needs no gateway id of its own.
 */
@Injectable()
export class CardGateway {
  private readonly results = new Map<string, ChargeResult | HoldResult>();
  private readonly holds = new Map<string, HoldState>();
  /** Calls that reached the card network (not answered from a key seen before), for tests and demos. */
  private readonly made = { charges: 0, authorizations: 0, captures: 0, voids: 0 };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  charge(idempotencyKey: string, amountCents: bigint): ChargeResult {
    return this.once(idempotencyKey, () => {
      this.made.charges++;
      return this.decide(amountCents);
    });
  }

  /** Holds `amountCents` on the card under `reference`, or declines as a charge would. */
  authorize(idempotencyKey: string, reference: string, amountCents: bigint): ChargeResult {
    return this.once(idempotencyKey, () => {
      this.made.authorizations++;
      const result = this.decide(amountCents);
      if (result.approved) this.remember(this.holds, reference, 'HELD');
      return result;
    });
  }

  /** Takes the whole amount held under `reference` (the demo keeps no amounts: it only says yes or no). */
  capture(idempotencyKey: string, reference: string): HoldResult {
    return this.once(idempotencyKey, () => {
      this.made.captures++;
      return this.settle(reference, 'CAPTURED');
    });
  }

  /** Releases the hold under `reference`: the customer's money was never taken. */
  void(idempotencyKey: string, reference: string): HoldResult {
    return this.once(idempotencyKey, () => {
      this.made.voids++;
      return this.settle(reference, 'VOIDED');
    });
  }

  /** How many charges reached the card network (a repeated key does not). */
  get chargesMade(): number {
    return this.made.charges;
  }

  /** How many calls of each kind reached the card network (a repeated key does not). */
  get callsMade(): Readonly<typeof this.made> {
    return { ...this.made };
  }

  private decide(amountCents: bigint): ChargeResult {
    return amountCents > this.config.paymentDeclineAboveCents ? { approved: false, reason: 'CARD_DECLINED' } : { approved: true };
  }

  /**
   * A hold moves once, out of HELD; a real gateway refuses to capture a voided hold and the like.
   * A hold it does not know is taken as held: this demo forgets its holds when the process
   * restarts, where a real gateway's would outlive it.
   */
  private settle(reference: string, to: 'CAPTURED' | 'VOIDED'): HoldResult {
    const state = this.holds.get(reference) ?? 'HELD';
    if (state !== 'HELD') return { ok: false, reason: state === 'CAPTURED' ? 'HOLD_CAPTURED' : 'HOLD_VOIDED' };
    this.remember(this.holds, reference, to);
    return { ok: true };
  }

  private once<R extends ChargeResult | HoldResult>(idempotencyKey: string, call: () => R): R {
    const known = this.results.get(idempotencyKey);
    if (known) return known as R;
    const result = call();
    this.remember(this.results, idempotencyKey, result);
    return result;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.set(key, value);
    if (map.size > KEYS_KEPT) map.delete(map.keys().next().value!); // the oldest
  }
}
