import { Module, type OnModuleInit } from '@nestjs/common';
import { SagaEngine } from '../saga/engine/saga-engine.js';
import { SagaEngineModule } from '../saga/engine/saga-engine.module.js';
import { CancelOrderHandler } from './cancel-order.handler.js';
import { ConfirmOrderHandler } from './confirm-order.handler.js';
import { OrderController } from './order.controller.js';
import { OrderGrpcController } from './order.grpc.controller.js';
import { GetOrderHandler, ListCustomerOrdersHandler } from './order.queries.js';
import { PlaceOrderHandler } from './place-order.handler.js';
import { placeOrderSaga } from './place-order.saga.js';

@Module({
  imports: [SagaEngineModule],
  controllers: [OrderController, OrderGrpcController],
  providers: [PlaceOrderHandler, ConfirmOrderHandler, CancelOrderHandler, GetOrderHandler, ListCustomerOrdersHandler],
})
export class OrderModule implements OnModuleInit {
  constructor(private readonly sagas: SagaEngine) {}

  onModuleInit(): void {
    this.sagas.register(placeOrderSaga);
  }
}
