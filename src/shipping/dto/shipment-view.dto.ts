import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ShipmentLine, ShipmentStatus, ShipmentView, ShippingAddress } from '../shipping.messages.js';

export class ShipmentAddressViewDto implements ShippingAddress {
  @ApiProperty({ example: '1 Market Street' }) street!: string;
  @ApiProperty({ example: 'San Francisco' }) city!: string;
  @ApiPropertyOptional({ example: 'CA' }) state?: string;
  @ApiProperty({ example: '94105' }) zipCode!: string;
  @ApiProperty({ example: 'US' }) country!: string;
}

export class ShipmentLineViewDto implements ShipmentLine {
  @ApiProperty({ example: 'prod_1' }) productId!: string;
  @ApiProperty({ example: 3 }) quantity!: number;
}

export class ShipmentViewDto implements ShipmentView {
  @ApiProperty({ example: '7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b' }) id!: string;
  @ApiProperty({ example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61' }) orderId!: string;
  @ApiProperty({ enum: ['CREATED', 'REJECTED', 'CANCELLED'], example: 'CREATED' }) status!: ShipmentStatus;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why it was rejected (ADDRESS_MISSING, COUNTRY_NOT_SERVED), or CANCELLED_BEFORE_CREATED.' })
  reason!: string | null;
  @ApiProperty({ type: ShipmentAddressViewDto, nullable: true }) address!: ShipmentAddressViewDto | null;
  @ApiProperty({ type: [ShipmentLineViewDto] }) lines!: ShipmentLineViewDto[];
  @ApiProperty({ example: 3, description: 'Units of all lines together.' }) units!: number;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.050Z' }) updatedAt!: string;
}
