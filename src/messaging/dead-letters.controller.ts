import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { MessagingError } from './messaging.errors.js';
import { Requires } from '../auth/requires.decorator.js';

class DeadLetterDto {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty() messageId!: string;
  @ApiProperty({ example: 'saga' }) consumer!: string;
  @ApiProperty({ example: 'inventory.InventoryReserved' }) type!: string;
  @ApiProperty({ example: 10 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() deadAt!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: Object }) payload!: unknown;
  @ApiProperty({ type: Object }) meta!: unknown;
}

class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) items!: DeadLetterDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for older ones.' }) nextBefore!: string | null;
}

class ListDeadLettersQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only rows with a smaller id (the `nextBefore` of the previous page).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;
}

class DeadLetterIdParams {
  @ApiProperty({ example: '1042', pattern: '^\\d{1,18}$' })
  @Matches(/^\d{1,18}$/, { message: '$property must be an outbox row id (digits)' })
  id!: string;
}

interface DeadLetterRow {
  id: string;
  message_id: string;
  consumer: string;
  type: string;
  attempts: number;
  last_error: string | null;
  dead_at: Date;
  created_at: Date;
  payload: unknown;
  meta: unknown;
}

const toDto = (r: DeadLetterRow): DeadLetterDto => ({
  id: r.id,
  messageId: r.message_id,
  consumer: r.consumer,
  type: r.type,
  attempts: r.attempts,
  lastError: r.last_error,
  deadAt: r.dead_at.toISOString(),
  createdAt: r.created_at.toISOString(),
  payload: r.payload,
  meta: r.meta,
});

/** Messages the relay gave up on: visible, and re-drivable once their cause is fixed. */
@ApiTags('dead letters')
@Controller('dead-letters')
export class DeadLettersController {
  constructor(private readonly db: DataSource) {}

  @Get()
  @Requires('operations.read')
  @ApiOperation({ summary: 'Messages the relay gave up on, newest first' })
  @ApiOkResponse({ type: DeadLetterPageDto })
  async list(@Query() query: ListDeadLettersQueryDto): Promise<DeadLetterPageDto> {
    const limit = query.limit ?? 50;
    const rows: DeadLetterRow[] = await this.db.query(
      `SELECT * FROM messaging.outbox WHERE dead_at IS NOT NULL AND processed_at IS NULL AND id < $1
        ORDER BY id DESC LIMIT $2`,
      [query.before ?? Number.MAX_SAFE_INTEGER, limit + 1],
    );
    const page = rows.slice(0, limit);
    return { items: page.map(toDto), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
  }

  @Post(':id/redrive')
  @Requires('operations.act')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deliver a dead letter again, with a fresh count of attempts' })
  @ApiOkResponse({ type: DeadLetterDto, description: 'The row as it was before the re-drive.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async redrive(@Param() { id }: DeadLetterIdParams): Promise<DeadLetterDto> {
    const [row]: DeadLetterRow[] = await this.db.query(
      `WITH before AS (SELECT * FROM messaging.outbox WHERE id = $1 AND dead_at IS NOT NULL AND processed_at IS NULL FOR UPDATE),
            redriven AS (
              UPDATE messaging.outbox o SET dead_at = NULL, attempts = 0, available_at = now()
                FROM before WHERE o.id = before.id)
       SELECT * FROM before`,
      [id],
    );
    if (!row) throw new MessagingError('DEAD_LETTER_NOT_FOUND', `No dead letter ${id}`);
    return toDto(row);
  }
}
