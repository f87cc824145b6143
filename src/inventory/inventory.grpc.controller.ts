import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { GetStockGrpcDto, ReleaseInventoryGrpcDto, ReserveInventoryGrpcDto, ShipReservationGrpcDto, VerifyReservationGrpcDto } from './dto/inventory.grpc.dto.js';
import {
  GetStock,
  InventoryReleased,
  InventoryReserved,
  ReleaseInventory,
  ReserveInventory,
  type ReservationShipped,
  ReservationVerified,
  ShipReservation,
  VerifyReservation,
} from './inventory.messages.js';
import type { ReserveReply } from './reserve-inventory.handler.js';
import type { VerifyReservationReply } from './verify-reservation.handler.js';
import { Requires } from '../auth/requires.decorator.js';

/**
 * `inventory.v1.InventoryService`: the saga's commands, executed by the same handlers. The
 * idempotency key becomes the command's message id, so the inbox drops a repeated call.
 */
@Controller()
export class InventoryGrpcController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @GrpcMethod('InventoryService', 'ReserveInventory')
  @Requires('participant.call')
  async reserve(@Payload() req: ReserveInventoryGrpcDto) {
    const command = new ReserveInventory({ orderId: req.orderId, lines: req.lines }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: ReserveReply = await this.commands.execute(command);
    return reply instanceof InventoryReserved
      ? { reserved: true, reservationId: reply.data.reservationId, reason: '' }
      : { reserved: false, reservationId: '', reason: reply.data.reason };
  }

  @GrpcMethod('InventoryService', 'ReleaseInventory')
  @Requires('participant.call')
  async release(@Payload() req: ReleaseInventoryGrpcDto) {
    const command = new ReleaseInventory({ orderId: req.orderId }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: InventoryReleased = await this.commands.execute(command);
    return { released: reply.data.released };
  }

  @GrpcMethod('InventoryService', 'ShipReservation')
  @Requires('participant.call')
  async ship(@Payload() req: ShipReservationGrpcDto) {
    const command = new ShipReservation({ orderId: req.orderId }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: ReservationShipped = await this.commands.execute(command);
    return { shipped: reply.data.shipped };
  }

  @GrpcMethod('InventoryService', 'VerifyReservation')
  @Requires('participant.call')
  async verify(@Payload() req: VerifyReservationGrpcDto) {
    const command = new VerifyReservation({ orderId: req.orderId, lines: req.lines }, { messageId: `grpc:${req.idempotencyKey}` });
    const reply: VerifyReservationReply = await this.commands.execute(command);
    return reply instanceof ReservationVerified
      ? { verified: true, reservationId: reply.data.reservationId, reason: '' }
      : { verified: false, reservationId: '', reason: reply.data.reason };
  }

  @GrpcMethod('InventoryService', 'GetStock')
  @Requires('business.read')
  getStock(@Payload() req: GetStockGrpcDto) {
    return this.queries.execute(new GetStock(req.productId));
  }
}
