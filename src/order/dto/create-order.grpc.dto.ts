import { IntersectionType } from '@nestjs/swagger';
import { IsUuid } from '../../common/is-uuid.js';
import { IdempotentRequestDto } from '../../common/idempotency-key.dto.js';
import { CreateOrderDto } from './create-order.dto.js';

/** gRPC CreateOrder: the REST body plus the idempotency key (required here, as on every mutating RPC). */
export class CreateOrderGrpcDto extends IntersectionType(CreateOrderDto, IdempotentRequestDto) {}

export class GetOrderGrpcDto {
  @IsUuid()
  orderId!: string;
}
