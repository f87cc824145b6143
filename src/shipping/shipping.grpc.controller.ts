import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Requires } from '../auth/requires.decorator.js';
import { CancelShipmentGrpcDto, CreateShipmentGrpcDto, GetShipmentGrpcDto } from './dto/shipping.grpc.dto.js';
import type { ShipmentReply } from './create-shipment.handler.js';
import { CancelShipment, CreateShipment, GetShipment, ShipmentCreated, type ShipmentCancelled, type ShipmentView } from './shipping.messages.js';

/**
 * `shipping.v1.ShippingService`: the saga's commands, executed by the same handlers. The
 * idempotency key becomes the command's message id, so the inbox drops a repeated call.
 */
@Controller()
export class ShippingGrpcController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @GrpcMethod('ShippingService', 'CreateShipment')
  @Requires('participant.call')
  async create(@Payload() req: CreateShipmentGrpcDto) {
    const address = req.address ? { ...req.address, state: req.address.state || undefined } : undefined;
    const command = new CreateShipment({ orderId: req.orderId, address, lines: req.lines }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: ShipmentReply = await this.commands.execute(command);
    return reply instanceof ShipmentCreated ? { created: true, shipmentId: reply.data.shipmentId, reason: '' } : { created: false, shipmentId: '', reason: reply.data.reason };
  }

  @GrpcMethod('ShippingService', 'CancelShipment')
  @Requires('participant.call')
  async cancel(@Payload() req: CancelShipmentGrpcDto) {
    const command = new CancelShipment({ orderId: req.orderId }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: ShipmentCancelled = await this.commands.execute(command);
    return { cancelled: reply.data.cancelled };
  }

  @GrpcMethod('ShippingService', 'GetShipment')
  @Requires('business.read')
  async get(@Payload() req: GetShipmentGrpcDto) {
    const view: ShipmentView = await this.queries.execute(new GetShipment(req.orderId));
    return { ...view, reason: view.reason ?? '' };
  }
}
