import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min, Max } from 'class-validator';
import { IsMoneyAmount } from '../../common/is-money-amount.js';

export class CreateProductDto {
  @ApiPropertyOptional({ example: 'prod_42', description: 'Readable id; generated when absent.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'id must be 1-64 letters, digits, "_", "-" or "."' })
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
