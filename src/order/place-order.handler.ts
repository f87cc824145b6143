import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { execute, statement } from '../database/prepared.js';
import { TransactionBatcher } from '../database/transaction-batcher.js';
import { formatMoney, parseMoney } from '../common/money.js';
import { Outbox } from '../messaging/outbox.js';
import type { SagaDefinition } from '../saga/engine/saga-definition.js';
import { SagaEngine } from '../saga/engine/saga-engine.js';
import { IdempotencyKey } from './idempotency-key.entity.js';
import { OrderItem } from './order-item.entity.js';
import { Order } from './order.entity.js';
import { OrderError } from './order.errors.js';
import type { ShippingAddress } from '../shipping/shipping.messages.js';
import { OrderCreatedEvent } from './order.messages.js';
import { toOrderView, type OrderView } from './order.view.js';
import { placeOrderSaga, placeOrderSagaV1, type PlaceOrderData } from './place-order.saga.js';

export interface PlaceOrderInput {
  customerId: string;
  items: { productId: string; quantity: number; price: string | number }[];
  shippingAddress?: ShippingAddress | null;
}

/** In-process command behind POST /orders and gRPC CreateOrder, and the starters of the order sagas. */
export class PlaceOrder {
  constructor(
    readonly input: PlaceOrderInput,
    readonly idempotencyKey?: string,
    /**
     * The saga that takes the order on from PENDING: another order process (verified-order), or by
     * default place-order in the version `PLACE_ORDER_SAGA_VERSION` names.
     */
    readonly saga?: SagaDefinition<PlaceOrderData>,
  ) {}
}

export interface PlaceOrderResult {
  order: OrderView;
  /** True when an earlier request with the same key already placed this order. */
  replayed: boolean;
}

/** The order and its lines in one statement (it runs for every order); the database stamps the times. */
const INSERT_ORDER = statement(`WITH placed AS (
    INSERT INTO orders.orders (id, customer_id, status, total_amount, saga_id, shipping_address) VALUES ($1, $2, 'PENDING', $3, $4, $6::jsonb)
    RETURNING created_at, updated_at
  ), lines AS (
    INSERT INTO orders.order_items (order_id, line, product_id, quantity, unit_price)
    SELECT $1, r.line, r.product_id, r.quantity, r.unit_price
      FROM jsonb_to_recordset($5::jsonb) AS r(line int, product_id text, quantity int, unit_price numeric)
  )
  SELECT created_at, updated_at FROM placed`);

/** Claims an idempotency key; no row comes back if a request claimed it before. */
const CLAIM_KEY = statement('INSERT INTO orders.idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING 1');

@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder, PlaceOrderResult> {
  /** Concurrent orders share a transaction (see `TransactionBatcher`). */
  private readonly batcher: TransactionBatcher;
  /** The version new orders start on (`PLACE_ORDER_SAGA_VERSION`). */
  private readonly saga: SagaDefinition<PlaceOrderData>;

  constructor(
    db: DataSource,
    private readonly sagas: SagaEngine,
    private readonly outbox: Outbox,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new TransactionBatcher(db, config.orderBatchSize);
    this.saga = config.placeOrderSagaVersion === 2 ? placeOrderSaga : placeOrderSagaV1;
  }

  /**
   * Writes the order, its saga and the saga's first command in one transaction, which orders
   * placed at the same time share; run again alone if another order of its batch fails.
   */
  execute({ input, idempotencyKey, saga }: PlaceOrder): Promise<PlaceOrderResult> {
    const items = input.items.map((i) => ({ productId: i.productId, quantity: i.quantity, price: formatMoney(parseMoney(i.price)) }));
    const total = formatMoney(items.reduce((sum, i) => sum + BigInt(i.quantity) * parseMoney(i.price), 0n));
    const shippingAddress = input.shippingAddress ? normalAddress(input.shippingAddress) : null;
    // The address counts only when given, and the saga type when it is not place-order, so requests
    // hash as they always did, and one key cannot start an order of one type and replay it as another.
    const sagaType = saga && saga.type !== placeOrderSaga.type ? saga.type : undefined;
    const requestHash = hashRequest({ customerId: input.customerId, items, ...(shippingAddress && { shippingAddress }), ...(sagaType && { sagaType }) });
    return this.batcher.run(async (tx) => {
      if (idempotencyKey) {
        const earlier = await claimKey(tx, idempotencyKey, requestHash);
        if (earlier) return earlier;
      }
      const orderId = randomUUID();
      const sagaId = randomUUID();
      const order = Object.assign(new Order(), { id: orderId, customerId: input.customerId, status: 'PENDING', totalAmount: total, failureReason: null, shippingAddress, sagaId });
      const rows = items.map((i, line) => Object.assign(new OrderItem(), { orderId, line, productId: i.productId, quantity: i.quantity, unitPrice: i.price }));
      const placed = await execute<{ created_at: Date; updated_at: Date }>(tx, INSERT_ORDER, [
        orderId,
        input.customerId,
        total,
        sagaId,
        JSON.stringify(rows.map(({ line, productId, quantity, unitPrice }) => ({ line, product_id: productId, quantity, unit_price: unitPrice }))),
        shippingAddress && JSON.stringify(shippingAddress),
      ]);
      const [stamps] = placed.rows;
      Object.assign(order, { createdAt: stamps.created_at, updatedAt: stamps.updated_at });
      const lines = items.map(({ productId, quantity }) => ({ productId, quantity }));
      const data = { orderId, customerId: input.customerId, lines, totalAmount: total, ...(shippingAddress && { shippingAddress }) };
      await this.sagas.start(tx, saga ?? this.saga, data, sagaId);
      // For systems outside (a row only when they are published: RABBITMQ_URL).
      await this.outbox.add(tx, new OrderCreatedEvent({ orderId, customerId: input.customerId, totalAmount: total, items }, { correlationId: sagaId }));
      const view = toOrderView(order, rows);
      if (idempotencyKey) await tx.update(IdempotencyKey, { key: idempotencyKey }, { response: view });
      return { order: view, replayed: false };
    });
  }
}

/** An address in one spelling: fields in one order, the country upper-case, an empty state left out. */
function normalAddress({ street, city, state, zipCode, country }: ShippingAddress): ShippingAddress {
  return { street, city, ...(state ? { state } : {}), zipCode, country: country.toUpperCase() };
}

/** The same request however it was spelled: price 19.9, "19.9" and "19.90" are one. */
function hashRequest(request: { customerId: string; items: { productId: string; quantity: number; price: string }[]; shippingAddress?: ShippingAddress; sagaType?: string }): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/**
 * Claims an idempotency key, or returns the answer of the request that claimed it first.
 * A concurrent duplicate blocks on the key's row until the first transaction ends, then
 * replays its answer (or, if it rolled back, claims the key itself).
 */
async function claimKey(tx: EntityManager, key: string, requestHash: string): Promise<PlaceOrderResult | null> {
  const { rowCount } = await execute(tx, CLAIM_KEY, [key, requestHash]);
  if (rowCount === 1) return null;
  const earlier = await tx.findOneByOrFail(IdempotencyKey, { key });
  if (earlier.requestHash !== requestHash) {
    throw new OrderError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
  }
  return { order: earlier.response as OrderView, replayed: true };
}
