import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { SagaStatus } from '../engine/saga-transition.js';

const STATUSES: SagaStatus[] = ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'];

export class ListSagasQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, example: 'FAILED' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: SagaStatus;

  @ApiPropertyOptional({ example: 'place-order' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
