import { ApiProperty, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';
import { ShippingAddressDto } from '../../common/shipping-address.dto.js';
import { CreateOrderDto } from './create-order.dto.js';

/**
 * The payload of a verified-order saga: an order as POST /orders takes it, with the shipping
 * address required, since the shipment is booked together with the stock and the payment.
 */
export class VerifiedOrderDto extends OmitType(CreateOrderDto, ['shippingAddress'] as const) {
  @ApiProperty({ type: ShippingAddressDto, description: 'Where the order goes: required, the shipment is booked before the order is verified.' })
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shippingAddress!: ShippingAddressDto;
}
