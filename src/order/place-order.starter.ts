import type { CommandBus } from '@nestjs/cqrs';
import type { SagaStarter } from '../saga/engine/saga-starters.js';
import type { CreateOrderDto } from './dto/create-order.dto.js';
import { PlaceOrder, type PlaceOrderResult } from './place-order.handler.js';

/**
 * place-order started over the saga API (`sagaType: "place-order"`, the body of POST /orders as
 * its payload): the same PlaceOrder command, so the order row, its saga and its Idempotency-Key
 * commit as one, and a key places one order whichever endpoint it came through.
 */
export function placeOrderStarter(commands: CommandBus): SagaStarter {
  return async (payload, idempotencyKey) => {
    const { customerId, items, shippingAddress } = payload as CreateOrderDto;
    const result: PlaceOrderResult = await commands.execute(new PlaceOrder({ customerId, items, shippingAddress }, idempotencyKey));
    return { sagaId: result.order.sagaId, replayed: result.replayed, resource: result.order };
  };
}
