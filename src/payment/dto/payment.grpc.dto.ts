import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IdempotentRequestDto } from '../../common/idempotency-key.dto.js';
import { IsMoneyAmount } from '../../common/is-money-amount.js';

export class ProcessPaymentGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  customerId!: string;

  @IsMoneyAmount()
  amount!: string;
}

/** The same fields as a charge: the amount to hold. */
export class AuthorizePaymentGrpcDto extends ProcessPaymentGrpcDto {}

export class CapturePaymentGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}

export class RefundPaymentGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}

export class VerifyAuthorizationGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;

  @IsMoneyAmount()
  amount!: string;
}

export class GetPaymentGrpcDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId!: string;
}
