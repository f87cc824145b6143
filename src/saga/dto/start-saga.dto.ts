import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsString, MaxLength } from 'class-validator';
import type { SagaStatus } from '../engine/saga-transition.js';
import type { SagaStartResult } from '../saga.messages.js';

export class StartSagaDto {
  @ApiProperty({ example: 'place-order', description: 'A registered saga type that declares a payload (GET /api/v1/saga-types lists them).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sagaType!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { customerId: 'cust_42', items: [{ productId: 'prod_1', quantity: 3, price: '19.99' }] },
    description: "What the saga starts from, checked against its type's payload schema; a mistake is named by its path, e.g. payload.items.0.quantity.",
  })
  @IsObject()
  payload!: Record<string, unknown>;
}

export class SagaStartedDto implements Omit<SagaStartResult, 'replayed'> {
  @ApiProperty({ example: '8b1e2f4a-9c3d-4e5f-a6b7-c8d9e0f1a2b3' }) sagaId!: string;
  @ApiProperty({ example: 'place-order' }) sagaType!: string;
  @ApiProperty({ example: 1, description: "The version of the type's definition it runs on." }) version!: number;
  @ApiProperty({ enum: ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'], example: 'RUNNING', description: 'Where the saga is as this answer is made; GET /api/v1/sagas/{id} follows it.' })
  status!: SagaStatus;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What its start wrote beside the saga, as its own module shows it (place-order: the order, as POST /api/v1/orders answers it); null for most types.',
  })
  resource!: object | null;
}
