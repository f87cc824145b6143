import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/page-query.dto.js';
import type { SagaStatus } from '../engine/saga-transition.js';

const STATUSES: SagaStatus[] = ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'];

export class ListSagasQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, example: 'FAILED' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: SagaStatus;

  @ApiPropertyOptional({ example: 'place-order' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;
}

export class SagaStatsQueryDto {
  @ApiPropertyOptional({ example: 'place-order' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;
}
