import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsObject, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IdempotentRequestDto } from '../../common/idempotency-key.dto.js';
import { IsProductId } from './create-product.dto.js';

export class StockLineDto {
  @IsString()
  @IsProductId()
  productId!: string;

  @IsInt()
  @Min(1)
  @Max(10_000)
  quantity!: number;
}

export class ReserveInventoryGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;

  @IsArray()
  @IsObject({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => StockLineDto)
  lines!: StockLineDto[];
}

export class ReleaseInventoryGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}

export class ShipReservationGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}

/** The same fields as a reservation: the lines the order's stock must cover. */
export class VerifyReservationGrpcDto extends ReserveInventoryGrpcDto {}

export class GetStockGrpcDto {
  @IsString()
  @IsProductId()
  productId!: string;
}
