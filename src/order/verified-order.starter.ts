import type { CommandBus } from '@nestjs/cqrs';
import type { SagaStarter } from '../saga/engine/saga-starters.js';
import type { VerifiedOrderDto } from './dto/verified-order.dto.js';
import { PlaceOrder, type PlaceOrderResult } from './place-order.handler.js';
import { verifiedOrderSaga } from './verified-order.saga.js';

/**
 * verified-order, started over the saga API only (`sagaType: "verified-order"`): the same
 * PlaceOrder command as place-order, run with this saga, so the PENDING order row, its saga and
 * its Idempotency-Key commit as one.
 */
export function verifiedOrderStarter(commands: CommandBus): SagaStarter {
  return async (payload, idempotencyKey) => {
    const { customerId, items, shippingAddress } = payload as VerifiedOrderDto;
    const result: PlaceOrderResult = await commands.execute(new PlaceOrder({ customerId, items, shippingAddress }, idempotencyKey, verifiedOrderSaga));
    return { sagaId: result.order.sagaId, replayed: result.replayed, resource: result.order };
  };
}
