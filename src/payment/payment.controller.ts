import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { PaymentOrderParams } from './dto/payment-params.dto.js';
import { PaymentViewDto } from './dto/payment-view.dto.js';
import { GetPayment, type PaymentView } from './payment.messages.js';
import { Requires } from '../auth/requires.decorator.js';

@ApiTags('payments')
@Controller('orders')
export class PaymentController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/payment')
  @Requires('business.read')
  @ApiOperation({ summary: "An order's payment: AUTHORIZED (held), CAPTURED, DECLINED, VOIDED (hold given back) or REFUNDED" })
  @ApiOkResponse({ type: PaymentViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  get(@Param() { id: orderId }: PaymentOrderParams): Promise<PaymentView> {
    return this.queries.execute(new GetPayment(orderId));
  }
}
