import { Event, registerMessages } from './message.js';

/**
 * Sent by the relay to whoever awaits a command's reply (`replyTo`) when the command's handler
 * threw: a technical failure, which the requester may retry with the same message id.
 */
export class DeliveryFailed extends Event<{ type: string; attempt: number; error: string }> {
  static readonly type = 'messaging.DeliveryFailed';
}

registerMessages(DeliveryFailed);
