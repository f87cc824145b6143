import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { formatMoney, parseMoney } from '../common/money.js';
import type { AuthorizeReply } from './authorize-payment.handler.js';
import type { CaptureReply } from './capture-payment.handler.js';
import { AuthorizePaymentGrpcDto, CapturePaymentGrpcDto, GetPaymentGrpcDto, ProcessPaymentGrpcDto, RefundPaymentGrpcDto, VerifyAuthorizationGrpcDto } from './dto/payment.grpc.dto.js';
import {
  AuthorizationVerified,
  AuthorizePayment,
  CapturePayment,
  GetPayment,
  PaymentCaptured,
  PaymentDeclined,
  type PaymentRefunded,
  type PaymentView,
  ProcessPayment,
  RefundPayment,
  VerifyAuthorization,
} from './payment.messages.js';
import type { PaymentReply } from './process-payment.handler.js';
import type { VerifyAuthorizationReply } from './verify-authorization.handler.js';
import { Requires } from '../auth/requires.decorator.js';

/** `payment.v1.PaymentService`: the saga's commands, executed by the same handlers. */
@Controller()
export class PaymentGrpcController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @GrpcMethod('PaymentService', 'ProcessPayment')
  @Requires('participant.call')
  async process(@Payload() req: ProcessPaymentGrpcDto) {
    const amount = formatMoney(parseMoney(req.amount));
    const command = new ProcessPayment({ orderId: req.orderId, customerId: req.customerId, amount }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: PaymentReply = await this.commands.execute(command);
    const payment: PaymentView = await this.queries.execute(new GetPayment(req.orderId));
    return { ...payment, reason: reply instanceof PaymentDeclined ? reply.data.reason : '' };
  }

  @GrpcMethod('PaymentService', 'AuthorizePayment')
  @Requires('participant.call')
  async authorize(@Payload() req: AuthorizePaymentGrpcDto) {
    const amount = formatMoney(parseMoney(req.amount));
    const command = new AuthorizePayment({ orderId: req.orderId, customerId: req.customerId, amount }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: AuthorizeReply = await this.commands.execute(command);
    const payment: PaymentView = await this.queries.execute(new GetPayment(req.orderId));
    return { ...payment, reason: reply instanceof PaymentDeclined ? reply.data.reason : '' };
  }

  @GrpcMethod('PaymentService', 'CapturePayment')
  @Requires('participant.call')
  async capture(@Payload() req: CapturePaymentGrpcDto) {
    const command = new CapturePayment({ orderId: req.orderId }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: CaptureReply = await this.commands.execute(command);
    // Built from the reply, not the payment: a refused capture may have no payment to show.
    return reply instanceof PaymentCaptured
      ? { captured: true, paymentId: reply.data.paymentId, amount: reply.data.amount, reason: '' }
      : { captured: false, paymentId: '', amount: '', reason: reply.data.reason };
  }

  @GrpcMethod('PaymentService', 'RefundPayment')
  @Requires('participant.call')
  async refund(@Payload() req: RefundPaymentGrpcDto) {
    const command = new RefundPayment({ orderId: req.orderId }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: PaymentRefunded = await this.commands.execute(command);
    return { refunded: reply.data.refunded };
  }

  @GrpcMethod('PaymentService', 'VerifyAuthorization')
  @Requires('participant.call')
  async verify(@Payload() req: VerifyAuthorizationGrpcDto) {
    const amount = formatMoney(parseMoney(req.amount));
    const command = new VerifyAuthorization({ orderId: req.orderId, amount }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: VerifyAuthorizationReply = await this.commands.execute(command);
    return reply instanceof AuthorizationVerified ? { verified: true, paymentId: reply.data.paymentId, reason: '' } : { verified: false, paymentId: '', reason: reply.data.reason };
  }

  @GrpcMethod('PaymentService', 'GetPayment')
  @Requires('business.read')
  async get(@Payload() req: GetPaymentGrpcDto) {
    return { ...(await this.queries.execute(new GetPayment(req.orderId))), reason: '' };
  }
}
