import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { CreateOrderGrpcDto, GetOrderGrpcDto } from './dto/create-order.grpc.dto.js';
import { GetOrder } from './order.queries.js';
import type { OrderView } from './order.view.js';
import { PlaceOrder, type PlaceOrderResult } from './place-order.handler.js';
import { Requires } from '../auth/requires.decorator.js';

/** `order.v1.OrderService`: the same command and query handlers as the REST controller. */
@Controller()
export class OrderGrpcController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @GrpcMethod('OrderService', 'CreateOrder')
  @Requires('orders.place')
  async createOrder(@Payload() req: CreateOrderGrpcDto) {
    const { customerId, items, shippingAddress, idempotencyKey } = req;
    const result: PlaceOrderResult = await this.commands.execute(new PlaceOrder({ customerId, items, shippingAddress }, idempotencyKey));
    return { ...toGrpc(result.order), replayed: result.replayed };
  }

  @GrpcMethod('OrderService', 'GetOrder')
  @Requires('business.read')
  async getOrder(@Payload() req: GetOrderGrpcDto) {
    return toGrpc(await this.queries.execute(new GetOrder(req.orderId)));
  }
}

function toGrpc(order: OrderView) {
  return { ...order, failureReason: order.failureReason ?? '' };
}
