import { ApiProperty } from '@nestjs/swagger';
import type { StockView } from '../inventory.messages.js';

export class StockViewDto implements StockView {
  @ApiProperty({ example: 'prod_1' }) id!: string;
  @ApiProperty({ example: 'Espresso beans 1 kg' }) name!: string;
  @ApiProperty({ example: '19.99' }) price!: string;
  @ApiProperty({ example: 97, description: 'Units that can still be reserved.' }) available!: number;
  @ApiProperty({ example: 3, description: 'Units held for orders.' }) reserved!: number;
  @ApiProperty({ example: 0, description: 'Units shipped: out of stock for good.' }) shipped!: number;
}
