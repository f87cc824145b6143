import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsString, MaxLength, ValidateNested } from 'class-validator';
import { IdempotentRequestDto } from '../../common/idempotency-key.dto.js';
import { OrderItemDto } from './create-order.dto.js';

/** gRPC CreateOrder: the REST body plus the idempotency key (required here, as on every mutating RPC). */
export class CreateOrderGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  customerId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}

export class GetOrderGrpcDto {
  @IsString()
  orderId!: string;
}
