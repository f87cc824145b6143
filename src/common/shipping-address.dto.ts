import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO31661Alpha2, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** A postal code as countries write them: letters, digits, spaces and hyphens, 1-20 characters. */
export const ZIP_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$/;

/**
 * Where an order goes: one rule for the order's REST body, its gRPC request and the shipping
 * module's CreateShipment RPC. The country is stored upper-cased (`de` and `DE` are one request).
 */
export class ShippingAddressDto {
  @ApiProperty({ example: '1 Market Street', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  street!: string;

  @ApiProperty({ example: 'San Francisco', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  city!: string;

  @ApiPropertyOptional({ example: 'CA', maxLength: 100, description: 'State, province or region, where the country has them.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  state?: string;

  @ApiProperty({ example: '94105', pattern: ZIP_CODE.source, description: 'Postal code: 1-20 letters, digits, spaces or hyphens.' })
  @IsString()
  @Matches(ZIP_CODE, { message: '$property must be 1-20 letters, digits, spaces or hyphens' })
  zipCode!: string;

  @ApiProperty({ example: 'US', description: 'ISO 3166-1 alpha-2 country code (case-insensitive; stored upper-case).' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsString()
  @IsISO31661Alpha2({ message: '$property must be an ISO 3166-1 alpha-2 country code, e.g. US' })
  country!: string;
}
