import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { InventoryError } from './inventory.errors.js';
import { GetStock, type StockView } from './inventory.messages.js';
import { Product } from './product.entity.js';

@QueryHandler(GetStock)
export class GetStockHandler implements IQueryHandler<GetStock, StockView> {
  constructor(private readonly db: DataSource) {}

  async execute({ productId }: GetStock): Promise<StockView> {
    const p = await this.db.getRepository(Product).findOneBy({ id: productId });
    if (!p) throw new InventoryError('PRODUCT_NOT_FOUND', `Product ${productId} not found`);
    return { id: p.id, name: p.name, price: p.price, available: p.available, reserved: p.reserved, shipped: p.shipped };
  }
}
