import { Module } from '@nestjs/common';
import { ListNotificationsHandler } from './list-notifications.handler.js';
import { LogNotificationSender } from './log-notification-sender.js';
import { NotificationSender } from './notification-sender.js';
import { NotificationController } from './notification.controller.js';
import { NotificationGrpcController } from './notification.grpc.controller.js';
import { SendNotificationHandler } from './send-notification.handler.js';

@Module({
  controllers: [NotificationController, NotificationGrpcController],
  providers: [
    // Another channel (e-mail, SMS): a class extending NotificationSender, provided here instead.
    { provide: NotificationSender, useClass: LogNotificationSender },
    SendNotificationHandler,
    ListNotificationsHandler,
  ],
})
export class NotificationModule {}
