import { Module } from '@nestjs/common';
import { AuthorizePaymentHandler } from './authorize-payment.handler.js';
import { CapturePaymentHandler } from './capture-payment.handler.js';
import { CardGateway } from './card-gateway.js';
import { GetPaymentHandler } from './get-payment.handler.js';
import { PaymentController } from './payment.controller.js';
import { PaymentGrpcController } from './payment.grpc.controller.js';
import { ProcessPaymentHandler } from './process-payment.handler.js';
import { RefundPaymentHandler } from './refund-payment.handler.js';
import { VerifyAuthorizationHandler } from './verify-authorization.handler.js';

@Module({
  controllers: [PaymentController, PaymentGrpcController],
  providers: [CardGateway, ProcessPaymentHandler, AuthorizePaymentHandler, CapturePaymentHandler, RefundPaymentHandler, VerifyAuthorizationHandler, GetPaymentHandler],
})
export class PaymentModule {}
