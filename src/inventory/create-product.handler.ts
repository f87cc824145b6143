import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { formatMoney, parseMoney } from '../common/money.js';
import { InventoryError } from './inventory.errors.js';
import type { StockView } from './inventory.messages.js';
import { insertProduct } from './stock.repository.js';

/** In-process command of the inventory module's own API: add a product with its stock. */
export class CreateProduct {
  constructor(readonly input: { id?: string; name: string; price: string | number; stock: number }) {}
}

@CommandHandler(CreateProduct)
export class CreateProductHandler implements ICommandHandler<CreateProduct, StockView> {
  constructor(private readonly db: DataSource) {}

  async execute({ input }: CreateProduct): Promise<StockView> {
    const product = {
      id: input.id ?? `prod_${randomBytes(6).toString('hex')}`,
      name: input.name,
      price: formatMoney(parseMoney(input.price)),
      available: input.stock,
    };
    const created = await this.db.transaction((tx) => insertProduct(tx, product));
    if (!created) throw new InventoryError('PRODUCT_EXISTS', `Product ${product.id} already exists`);
    return { id: product.id, name: product.name, price: product.price, available: product.available, reserved: 0, shipped: 0 };
  }
}
