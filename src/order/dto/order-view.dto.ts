import { ApiProperty } from '@nestjs/swagger';
import { ShippingAddressDto } from '../../common/shipping-address.dto.js';
import type { OrderStatus } from '../order.entity.js';
import type { OrderItemView, OrderView } from '../order.view.js';

export class OrderItemViewDto implements OrderItemView {
  @ApiProperty({ example: 'prod_1' }) productId!: string;
  @ApiProperty({ example: 3 }) quantity!: number;
  @ApiProperty({ example: '19.99', description: 'Unit price, exact decimal string.' }) price!: string;
}

export class OrderViewDto implements OrderView {
  @ApiProperty({ example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61' }) id!: string;
  @ApiProperty({ enum: ['PENDING', 'CONFIRMED', 'CANCELLED'], example: 'PENDING' }) status!: OrderStatus;
  @ApiProperty({ example: 'cust_42' }) customerId!: string;
  @ApiProperty({ type: [OrderItemViewDto] }) items!: OrderItemViewDto[];
  @ApiProperty({ example: '59.97', description: 'Computed by the server; exact decimal string.' }) totalAmount!: string;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the order was cancelled, e.g. CARD_DECLINED or OUT_OF_STOCK.' })
  failureReason!: string | null;
  @ApiProperty({ type: ShippingAddressDto, nullable: true, description: 'Where the order goes; null when it was placed without one.' })
  shippingAddress!: ShippingAddressDto | null;
  @ApiProperty({ example: '8b1e2f4a-9c3d-4e5f-a6b7-c8d9e0f1a2b3' }) sagaId!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) updatedAt!: string;
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderViewDto] }) items!: OrderViewDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for older orders; null on the last page.' })
  nextCursor!: string | null;
}
