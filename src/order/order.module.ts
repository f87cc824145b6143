import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SagaEngine } from '../saga/engine/saga-engine.js';
import { SagaEngineModule } from '../saga/engine/saga-engine.module.js';
import { SagaStarters } from '../saga/engine/saga-starters.js';
import { CancelOrderHandler } from './cancel-order.handler.js';
import { ConfirmOrderHandler } from './confirm-order.handler.js';
import { OrderController } from './order.controller.js';
import { OrderGrpcController } from './order.grpc.controller.js';
import { GetOrderHandler, ListCustomerOrdersHandler } from './order.queries.js';
import { PlaceOrderHandler } from './place-order.handler.js';
import { placeOrderSaga, placeOrderSagaV1 } from './place-order.saga.js';
import { placeOrderStarter } from './place-order.starter.js';
import { verifiedOrderSaga } from './verified-order.saga.js';
import { verifiedOrderStarter } from './verified-order.starter.js';

@Module({
  imports: [SagaEngineModule],
  controllers: [OrderController, OrderGrpcController],
  providers: [PlaceOrderHandler, ConfirmOrderHandler, CancelOrderHandler, GetOrderHandler, ListCustomerOrdersHandler],
})
export class OrderModule implements OnModuleInit {
  constructor(
    private readonly sagas: SagaEngine,
    private readonly starters: SagaStarters,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    this.sagas.register(placeOrderSagaV1);
    this.sagas.register(placeOrderSaga);
    // Its first step is the order row, written where the saga starts: started over the saga API too, it places an order.
    this.starters.register(placeOrderSaga.type, placeOrderStarter(this.commands));
    // A large order verified before anything is committed; started over the saga API only, also with its order row.
    this.sagas.register(verifiedOrderSaga);
    this.starters.register(verifiedOrderSaga.type, verifiedOrderStarter(this.commands));
  }
}
