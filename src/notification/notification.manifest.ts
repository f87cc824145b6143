import type { ModuleManifest } from '../module-manifest.js';
import { errorStatuses } from '../errors/module-error.js';
import { NotificationSchema1765200000000 } from './migrations/1765200000000-notification-schema.js';
import { Notification } from './notification.entity.js';
import { NotificationError } from './notification.errors.js';
import { NotificationModule } from './notification.module.js';

/** Notifications: messages to customers about their orders, through a pluggable sender. */
export const notificationManifest = {
  name: 'notification',
  module: NotificationModule,
  entities: [Notification],
  migrations: [NotificationSchema1765200000000],
  grpc: { protoFile: 'notification.proto', package: 'notification.v1' },
  errors: errorStatuses(NotificationError, {}),
} satisfies ModuleManifest;
