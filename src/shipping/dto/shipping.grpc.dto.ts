import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IdempotentRequestDto } from '../../common/idempotency-key.dto.js';
import { ShippingAddressDto } from '../../common/shipping-address.dto.js';

export class ShipmentLineDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  productId!: string;

  @IsInt()
  @Min(1)
  @Max(10_000)
  quantity!: number;
}

export class CreateShipmentGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;

  /** Optional on the wire: without one the shipment is rejected (ADDRESS_MISSING), a business "no" like in-process. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  address?: ShippingAddressDto;

  @IsArray()
  @IsObject({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ShipmentLineDto)
  lines!: ShipmentLineDto[];
}

export class CancelShipmentGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}

export class GetShipmentGrpcDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}
