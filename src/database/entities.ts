import { IdempotencyKey } from '../order/idempotency-key.entity.js';
import { InboxRow } from '../messaging/inbox.entity.js';
import { OutboxRow } from '../messaging/outbox.entity.js';
import { OrderItem } from '../order/order-item.entity.js';
import { Order } from '../order/order.entity.js';
import { Payment } from '../payment/payment.entity.js';
import { Product } from '../inventory/product.entity.js';
import { Reservation } from '../inventory/reservation.entity.js';
import { SagaInstance } from '../saga/engine/saga-instance.entity.js';
import { SagaStepRecord } from '../saga/engine/saga-step.entity.js';

/** Every table the app maps; each module's tables live in the module's own schema. */
export const entities = [
  OutboxRow,
  InboxRow,
  SagaInstance,
  SagaStepRecord,
  Order,
  OrderItem,
  IdempotencyKey,
  Product,
  Reservation,
  Payment,
];
