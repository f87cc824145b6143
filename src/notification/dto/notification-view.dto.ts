import { ApiProperty } from '@nestjs/swagger';
import { NOTIFICATION_KINDS, type NotificationKind, type NotificationView } from '../notification.messages.js';

export class NotificationViewDto implements NotificationView {
  @ApiProperty({ example: '7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }) id!: string;
  @ApiProperty({ example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61' }) orderId!: string;
  @ApiProperty({ example: 'cust_42' }) customerId!: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS, example: 'ORDER_CONFIRMED' }) kind!: NotificationKind;
  @ApiProperty({ example: 'log', description: 'Where the sender delivered it: `log` for the default sender' }) channel!: string;
  @ApiProperty({ example: 'Your order is confirmed' }) subject!: string;
  @ApiProperty({ example: 'Your order 0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61 is confirmed: it has been paid and its items are set aside for you.' }) body!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.100Z' }) createdAt!: string;
}
