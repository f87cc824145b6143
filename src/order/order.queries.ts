import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { isUuid } from '../common/is-uuid.js';
import { OrderItem } from './order-item.entity.js';
import { Order } from './order.entity.js';
import { OrderError } from './order.errors.js';
import { toOrderView, type OrderView } from './order.view.js';

export class GetOrder {
  constructor(readonly orderId: string) {}
}

export class ListCustomerOrders {
  constructor(
    readonly customerId: string,
    readonly limit: number,
    readonly cursor?: string,
  ) {}
}

export interface OrderPage {
  items: OrderView[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

@QueryHandler(GetOrder)
export class GetOrderHandler implements IQueryHandler<GetOrder, OrderView> {
  constructor(private readonly db: DataSource) {}

  async execute({ orderId }: GetOrder): Promise<OrderView> {
    const order = isUuid(orderId) ? await this.db.getRepository(Order).findOne({ where: { id: orderId }, relations: { items: true } }) : null;
    if (!order) throw new OrderError('ORDER_NOT_FOUND', `Order ${orderId} not found`);
    return toOrderView(order, order.items);
  }
}

@QueryHandler(ListCustomerOrders)
export class ListCustomerOrdersHandler implements IQueryHandler<ListCustomerOrders, OrderPage> {
  constructor(private readonly db: DataSource) {}

  /** Newest first, keyset-paged on (created_at, id) so pages stay stable while orders arrive. */
  async execute({ customerId, limit, cursor }: ListCustomerOrders): Promise<OrderPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    if (cursor && !after) throw new OrderError('INVALID_CURSOR', 'cursor is not one this API returned');
    const qb = this.db
      .getRepository(Order)
      .createQueryBuilder('o')
      .where('o.customer_id = :customerId', { customerId })
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1);
    if (after) qb.andWhere('(o.created_at, o.id) < (:at::timestamptz, :id::uuid)', after);
    const orders = await qb.getMany();
    const page = orders.slice(0, limit);
    const items = page.length
      ? await this.db.getRepository(OrderItem).createQueryBuilder('i').where('i.order_id IN (:...ids)', { ids: page.map((o) => o.id) }).getMany()
      : [];
    const last = page.at(-1);
    return {
      items: page.map((o) => toOrderView(o, items.filter((i) => i.orderId === o.id))),
      nextCursor: orders.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }
}
