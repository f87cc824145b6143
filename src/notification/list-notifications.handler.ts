import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Notification } from './notification.entity.js';
import { ListNotifications, type NotificationView } from './notification.messages.js';

@QueryHandler(ListNotifications)
export class ListNotificationsHandler implements IQueryHandler<ListNotifications, NotificationView[]> {
  constructor(private readonly db: DataSource) {}

  /** At most one per kind, so an order has a handful: no paging. */
  async execute({ orderId }: ListNotifications): Promise<NotificationView[]> {
    const found = await this.db.getRepository(Notification).find({ where: { orderId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return found.map((n) => ({
      id: n.id,
      orderId: n.orderId,
      customerId: n.customerId,
      kind: n.kind,
      channel: n.channel,
      subject: n.subject,
      body: n.body,
      createdAt: n.createdAt.toISOString(),
    }));
  }
}
