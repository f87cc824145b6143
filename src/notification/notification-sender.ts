import type { NotificationKind } from './notification.messages.js';

/** One message for a customer, as the sender gets it. */
export interface OutgoingNotification {
  /** The id of its row (a new one if this send is tried again after a rollback; see `idempotencyKey`). */
  id: string;
  orderId: string;
  customerId: string;
  kind: NotificationKind;
  subject: string;
  body: string;
  /**
   * `<orderId>:<kind>`: give it to a provider that deduplicates (an e-mail API's idempotency
   * key), so a send whose transaction rolled back after it is not delivered twice.
   */
  idempotencyKey: string;
}

/**
 * Delivers notifications to customers: the one thing this module leaves the process for. The
 * abstract class is the Nest token: the module provides `LogNotificationSender`; another channel
 * is a class extending this one, provided in its place in `NotificationModule`
 * (`{ provide: NotificationSender, useClass: SmtpSender }`).
 *
 * `send` runs inside the transaction that records the notification: a throw rolls the record
 * back and fails the command technically (the saga retries it), so a sender throws whenever it
 * is not sure the message went out, and stays quick (it holds a database connection meanwhile).
 */
export abstract class NotificationSender {
  /** Recorded with each notification it sends, e.g. `email`. */
  abstract readonly channel: string;

  abstract send(notification: OutgoingNotification): Promise<void>;
}
