import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsUuid } from '../../common/is-uuid.js';

/** `/orders/:id`: order ids are UUIDs; anything else is a 400, never a lookup. */
export class OrderIdParams {
  @ApiProperty({ format: 'uuid', example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61' })
  @IsUuid()
  id!: string;
}

/** `/customers/:customerId/orders`: the same rule as `customerId` in an order. */
export class CustomerParams {
  @ApiProperty({ example: 'cust_42', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  customerId!: string;
}
