import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { IsProductId, PRODUCT_ID } from './create-product.dto.js';

/** `/products/:id`: a product id by its pattern. */
export class ProductIdParams {
  @ApiProperty({ example: 'prod_1', pattern: PRODUCT_ID.source })
  @IsString()
  @IsProductId()
  id!: string;
}
