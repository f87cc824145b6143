import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export type ChargeResult = { approved: true } | { approved: false; reason: string };

/**
 * Stands in for the card network, the one thing a payment leaves the process for. Its demo
 * rule: totals above PAYMENT_DECLINE_ABOVE are declined.
 */
@Injectable()
export class CardGateway {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  charge(amountCents: bigint): ChargeResult {
    if (amountCents > this.config.paymentDeclineAboveCents) return { approved: false, reason: 'CARD_DECLINED' };
    return { approved: true };
  }
}
