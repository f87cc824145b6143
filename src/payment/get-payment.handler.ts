import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { PaymentError } from './payment.errors.js';
import { Payment } from './payment.entity.js';
import { GetPayment, type PaymentView } from './payment.messages.js';

@QueryHandler(GetPayment)
export class GetPaymentHandler implements IQueryHandler<GetPayment, PaymentView> {
  constructor(private readonly db: DataSource) {}

  async execute({ orderId }: GetPayment): Promise<PaymentView> {
    const p = await this.db.getRepository(Payment).findOneBy({ orderId });
    if (!p) throw new PaymentError('PAYMENT_NOT_FOUND', `No payment for order ${orderId}`);
    return {
      id: p.id,
      orderId: p.orderId,
      amount: p.amount,
      status: p.status,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}
