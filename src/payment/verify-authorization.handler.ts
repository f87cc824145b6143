import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { parseMoney } from '../common/money.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import type { Payment } from './payment.entity.js';
import { findPaymentForUpdate } from './payment.repository.js';
import { AuthorizationNotVerified, AuthorizationVerified, VerifyAuthorization } from './payment.messages.js';
import { PAYMENT_CONSUMER } from './process-payment.handler.js';

export type VerifyAuthorizationReply = AuthorizationVerified | AuthorizationNotVerified;

@CommandHandler(VerifyAuthorization)
export class VerifyAuthorizationHandler implements ICommandHandler<VerifyAuthorization, VerifyAuthorizationReply> {
  constructor(
    private readonly participant: Participant,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Answers whether the order's hold may be taken, and moves no money (the card gateway is not
   * asked): only the inbox records the command, so its reply is sent once. The payment is read
   * under the lock every command of the order takes.
   */
  execute(cmd: VerifyAuthorization): Promise<VerifyAuthorizationReply> {
    const { orderId, amount } = cmd.data;
    return this.participant.answer(PAYMENT_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const payment = await findPaymentForUpdate(tx, orderId);
      return verdict(orderId, payment, parseMoney(amount), this.config.paymentReviewAboveCents);
    });
  }
}

/** Held, for exactly the order's total, and not above the review limit; the first rule broken is the reason. */
function verdict(orderId: string, p: Payment | null, cents: bigint, reviewAboveCents: bigint): VerifyAuthorizationReply {
  if (p?.status !== 'AUTHORIZED') return new AuthorizationNotVerified({ orderId, reason: 'NOT_AUTHORIZED' });
  if (parseMoney(p.amount) !== cents) return new AuthorizationNotVerified({ orderId, reason: 'AMOUNT_MISMATCH' });
  // The risk rule: a large hold waits for a person, whatever the card gateway approved.
  if (cents > reviewAboveCents) return new AuthorizationNotVerified({ orderId, reason: 'RISK_REVIEW' });
  return new AuthorizationVerified({ orderId, paymentId: p.id });
}
