import { ApiProperty } from '@nestjs/swagger';
import type { SagaHistoryEntry, SagaPage, SagaSummary, SagaView } from '../saga.messages.js';
import type { SagaStatus, StepAction } from '../engine/saga-transition.js';
import type { StepStatus } from '../engine/saga-step.entity.js';

export class SagaHistoryEntryDto implements SagaHistoryEntry {
  @ApiProperty({ example: 'reserve-inventory' }) step!: string;
  @ApiProperty({ enum: ['execute', 'compensate'] }) action!: StepAction;
  @ApiProperty({ enum: ['PENDING', 'SUCCEEDED', 'FAILED'] }) status!: StepStatus;
  @ApiProperty({ example: 1 }) attempt!: number;
  @ApiProperty({ type: String, nullable: true, example: 'inventory.InventoryReserved', description: 'The reply type, or the failure reason.' })
  message!: string | null;
  @ApiProperty({ example: '2026-11-22T10:00:00.010Z', description: 'When the attempt started.' }) timestamp!: string;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:00:00.020Z' }) finishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '4bf92f3577b34da6a3ce929d0e0e4736', description: 'The trace the attempt ran in.' })
  traceId!: string | null;
}

export class SagaSummaryDto implements SagaSummary {
  @ApiProperty({ example: '8b1e2f4a-9c3d-4e5f-a6b7-c8d9e0f1a2b3' }) id!: string;
  @ApiProperty({ example: 'place-order' }) type!: string;
  @ApiProperty({ enum: ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'] }) status!: SagaStatus;
  @ApiProperty({ example: 'confirm-order' }) currentStep!: string;
  @ApiProperty({ type: String, nullable: true, example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61' }) orderId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why it compensated, e.g. CARD_DECLINED or PROCESS_PAYMENT_TIMED_OUT.' })
  failureReason!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'The last technical failure (exception or timeout).' })
  lastError!: string | null;
  @ApiProperty({ example: 1, description: 'Attempt number of the command the saga waits for.' }) attempt!: number;
  @ApiProperty({ example: 0, description: 'Handlings of its timer or a reply that threw in a row (its definition cannot handle them); lastError says why.' })
  poisonAttempts!: number;
  @ApiProperty({ example: 4 }) version!: number;
  @ApiProperty({ example: 1, description: 'The version of its definition it runs on: the one it started with.' }) definitionVersion!: number;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.050Z' }) updatedAt!: string;
}

export class SagaViewDto extends SagaSummaryDto implements SagaView {
  @ApiProperty({ type: [SagaHistoryEntryDto] }) history!: SagaHistoryEntryDto[];
}

export class SagaPageDto implements SagaPage {
  @ApiProperty({ type: [SagaSummaryDto] }) items!: SagaSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
