import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min, Max } from 'class-validator';
import { IsMoneyAmount } from '../../common/is-money-amount.js';

/** A product id: readable, safe in a URL path. */
export const PRODUCT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const IsProductId = (): PropertyDecorator => Matches(PRODUCT_ID, { message: '$property must be 1-64 letters, digits, "_", "-" or "."' });

export class CreateProductDto {
  @ApiPropertyOptional({ example: 'prod_42', description: 'Readable id; generated when absent.' })
  @IsOptional()
  @IsString()
  @IsProductId()
  id?: string;

  @ApiProperty({ example: 'Mechanical keyboard' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: '19.99', description: 'Unit price: a number or decimal string, > 0, at most 2 decimals.', oneOf: [{ type: 'string' }, { type: 'number' }] })
  @IsMoneyAmount()
  price!: string | number;

  @ApiProperty({ example: 100, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  stock!: number;
}
