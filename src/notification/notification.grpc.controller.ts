import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Requires } from '../auth/requires.decorator.js';
import { ListNotificationsGrpcDto, SendNotificationGrpcDto } from './dto/notification.grpc.dto.js';
import { ListNotifications, type NotificationSent, type NotificationView, SendNotification } from './notification.messages.js';

/**
 * `notification.v1.NotificationService`: the saga's command, executed by the same handler. The
 * idempotency key becomes the command's message id, so the inbox drops a repeated call.
 */
@Controller()
export class NotificationGrpcController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @GrpcMethod('NotificationService', 'SendNotification')
  @Requires('participant.call')
  async send(@Payload() req: SendNotificationGrpcDto) {
    const data = { orderId: req.orderId, customerId: req.customerId, kind: req.kind, ...(req.reason && { reason: req.reason }) };
    const reply: NotificationSent = await this.commands.execute(new SendNotification(data, { messageId: `grpc:${req.idempotencyKey}` }));
    return { id: reply.data.notificationId, orderId: reply.data.orderId };
  }

  @GrpcMethod('NotificationService', 'ListNotifications')
  @Requires('business.read')
  async list(@Payload() req: ListNotificationsGrpcDto) {
    const notifications: NotificationView[] = await this.queries.execute(new ListNotifications(req.orderId));
    return { notifications };
  }
}
