import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { CreateProduct } from './create-product.handler.js';
import { CreateProductDto } from './dto/create-product.dto.js';
import { ProductIdParams } from './dto/product-params.dto.js';
import { StockViewDto } from './dto/stock-view.dto.js';
import { GetStock, type StockView } from './inventory.messages.js';
import { Requires } from '../auth/requires.decorator.js';

@ApiTags('products')
@Controller('products')
export class InventoryController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Requires('catalogue.write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a product with its initial stock' })
  @ApiCreatedResponse({ type: StockViewDto })
  create(@Body() body: CreateProductDto): Promise<StockView> {
    return this.commands.execute(new CreateProduct(body));
  }

  @Get(':id')
  @Requires('business.read')
  @ApiOperation({ summary: "A product's price and stock (available, reserved and shipped)" })
  @ApiOkResponse({ type: StockViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  get(@Param() { id }: ProductIdParams): Promise<StockView> {
    return this.queries.execute(new GetStock(id));
  }
}
