import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { IdempotencyKeyHeader } from '../http/idempotency-key.header.js';
import { GetSaga, type SagaView } from '../saga/saga.messages.js';
import { CreateOrderDto } from './dto/create-order.dto.js';
import { PageQueryDto } from '../common/page-query.dto.js';
import { CustomerParams, OrderIdParams } from './dto/order-params.dto.js';
import { OrderPageDto, OrderViewDto } from './dto/order-view.dto.js';
import { GetOrder, ListCustomerOrders, type OrderPage } from './order.queries.js';
import type { OrderView } from './order.view.js';
import { PlaceOrder, type PlaceOrderResult } from './place-order.handler.js';
import { Requires } from '../auth/requires.decorator.js';

@ApiTags('orders')
@Controller()
export class OrderController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('orders')
  @Requires('orders.place')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Place an order; its saga runs in the background',
    description: 'Answers at once with the PENDING order. Repeat the request with the same Idempotency-Key to get the same answer (header Idempotent-Replayed: true) without a second order.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Any printable string up to 255 chars; X-Idempotency-Key is accepted too.' })
  @ApiCreatedResponse({ type: OrderViewDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'The key was used with a different request.' })
  @ApiConflictResponse({ type: ErrorBodyDto })
  async create(
    @Body() body: CreateOrderDto,
    @IdempotencyKeyHeader() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<OrderView> {
    const result: PlaceOrderResult = await this.commands.execute(new PlaceOrder(body, idempotencyKey));
    if (result.replayed) void res.header('Idempotent-Replayed', 'true');
    return result.order;
  }

  @Get('orders/:id')
  @Requires('business.read')
  @ApiOperation({ summary: 'An order and its status' })
  @ApiOkResponse({ type: OrderViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  get(@Param() { id }: OrderIdParams): Promise<OrderView> {
    return this.queries.execute(new GetOrder(id));
  }

  @Get('orders/:id/saga')
  @Requires('business.read')
  @ApiOperation({ summary: "The saga that runs an order, with its step history" })
  @ApiOkResponse({ schema: { $ref: getSchemaPath('SagaViewDto') } }) // declared by the saga module
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async saga(@Param() { id }: OrderIdParams): Promise<SagaView> {
    const order: OrderView = await this.queries.execute(new GetOrder(id));
    return this.queries.execute(new GetSaga(order.sagaId));
  }

  @Get('customers/:customerId/orders')
  @Requires('business.read')
  @ApiOperation({ summary: "A customer's orders, newest first, paged by cursor" })
  @ApiOkResponse({ type: OrderPageDto })
  list(@Param() { customerId }: CustomerParams, @Query() query: PageQueryDto): Promise<OrderPage> {
    return this.queries.execute(new ListCustomerOrders(customerId, query.limit ?? 20, query.cursor));
  }
}
