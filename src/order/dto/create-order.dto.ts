import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsMoneyAmount, IsPayableTotal } from '../../common/is-money-amount.js';
import { ShippingAddressDto } from '../../common/shipping-address.dto.js';

export class OrderItemDto {
  @ApiProperty({ example: 'prod_1' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  productId!: string;

  @ApiProperty({ example: 3, minimum: 1, description: 'A whole number of units.' })
  @IsInt()
  @Min(1)
  @Max(10_000)
  quantity!: number;

  @ApiProperty({
    example: '19.99',
    description: 'Unit price: a JSON number or a decimal string, > 0, with at most 2 decimals.',
    oneOf: [{ type: 'string', example: '19.99' }, { type: 'number', example: 19.99 }],
  })
  @IsMoneyAmount()
  price!: string | number;
}

export class CreateOrderDto {
  @ApiProperty({ example: 'cust_42' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  customerId!: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: 100 })
  @IsArray()
  @IsObject({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsPayableTotal()
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];

  @ApiPropertyOptional({ type: ShippingAddressDto, description: 'Where the order goes. Optional: an order without one is placed as before.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shippingAddress?: ShippingAddressDto;
}
