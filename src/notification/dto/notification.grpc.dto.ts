import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IdempotentRequestDto } from '../../common/idempotency-key.dto.js';
import { NOTIFICATION_KINDS, type NotificationKind } from '../notification.messages.js';

export class SendNotificationGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  customerId!: string;

  @IsIn(NOTIFICATION_KINDS)
  kind!: NotificationKind;

  /** Empty when none (proto3 sends no absent strings). */
  @IsString()
  @MaxLength(500)
  reason!: string;
}

export class ListNotificationsGrpcDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}
