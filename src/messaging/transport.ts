import type { Message } from './message.js';

/**
 * How a message reaches a module hosted in another process (see `Routes`). `send` resolves once
 * the other side has it: with the replies its answer carries (a gRPC call answers at once), or
 * with none (the reply comes back later, through that process's own outbox). It rejects when the
 * message may not have arrived; the relay then keeps the row and tries again, and the receiving
 * inbox applies a message sent twice once.
 */
export interface Transport {
  send(destination: string, message: Message): Promise<Message[]>;
}

/**
 * How a command travels as a call to its module's gRPC service, declared on the command's class
 * (`static readonly grpc`): the request built from the command with its message id as the
 * idempotency key, and the reply built from the response, as the module's handler would send it.
 */
export interface GrpcCall<C extends Message = Message, Req = unknown, Res = never> {
  /** Fully qualified, as in the `.proto`: `inventory.v1.InventoryService`. */
  service: string;
  /** As in the `.proto`: `ReserveInventory`. */
  method: string;
  request(command: C, idempotencyKey: string): Req;
  reply(response: Res, command: C): Message;
}
