import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'items.0.quantity' }) field!: string;
  @ApiProperty({ example: ['quantity must not be less than 1'] }) messages!: string[];
}

/** Every error answer: a stable code, a message for people, the correlation id; never a stack. */
export class ErrorBodyDto {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'ORDER_NOT_FOUND' }) code!: string;
  @ApiProperty({ example: 'Order 0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61 not found' }) message!: string;
  @ApiProperty({ example: '3f9a1c2e-…', description: 'Also in the X-Correlation-Id response header.' }) correlationId!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'For VALIDATION_FAILED: each bad field.' }) errors?: FieldErrorDto[];
}
