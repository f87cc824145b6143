import { ApiProperty } from '@nestjs/swagger';
import { PAYMENT_STATUSES, type PaymentStatus, type PaymentView } from '../payment.messages.js';

export class PaymentViewDto implements PaymentView {
  @ApiProperty({ example: '5f0c7a52-7d1e-4a55-9c35-1c0e5e3f9a10' }) id!: string;
  @ApiProperty({ example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61' }) orderId!: string;
  @ApiProperty({ example: '59.97' }) amount!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES, example: 'CAPTURED' }) status!: PaymentStatus;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.050Z' }) updatedAt!: string;
}
