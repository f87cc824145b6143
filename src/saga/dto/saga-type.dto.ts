import { ApiProperty } from '@nestjs/swagger';
import type { SagaTypeStepView, SagaTypeView } from '../saga.messages.js';

export class SagaTypeStepDto implements SagaTypeStepView {
  @ApiProperty({ example: 'reserve-inventory' }) name!: string;
  @ApiProperty({ example: true, description: 'False for a step the starting transaction does (place-order writes its order).' }) hasCommand!: boolean;
  @ApiProperty({ example: true }) hasCompensation!: boolean;
  @ApiProperty({ example: true, description: 'False for a step whose failure does not undo the saga.' }) critical!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'The parallel group of steps it runs beside, if any.' }) group!: string | null;
  @ApiProperty({ example: false, description: 'True for a step that runs only when the saga\'s data calls for it (place-order\'s create-shipment, for an order with an address).' })
  conditional!: boolean;
}

export class SagaTypeDto implements SagaTypeView {
  @ApiProperty({ example: 'place-order' }) type!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: true, description: 'Whether POST /api/v1/sagas starts it: it declares a payload, and it is the newest version of its type.' })
  startable!: boolean;
  @ApiProperty({ type: [SagaTypeStepDto] }) steps!: SagaTypeStepDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The JSON schema its payload must match (from its payload class, as the OpenAPI document describes request bodies); null when it declares none.',
  })
  payloadSchema!: object | null;
}
