import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { IdempotencyKeyHeader } from '../http/idempotency-key.header.js';
import { ListSagasQueryDto, SagaStatsQueryDto } from './dto/list-sagas.query.dto.js';
import { SagaIdParams } from './dto/saga-params.dto.js';
import { SagaPageDto, SagaViewDto } from './dto/saga-view.dto.js';
import { SagaStartedDto, StartSagaDto } from './dto/start-saga.dto.js';
import { GetSaga, GetSagaStats, ListSagas, RetrySaga, type SagaPage, type SagaStartResult, type SagaStats, type SagaView, StartSaga } from './saga.messages.js';
import { CallerName } from '../auth/current-caller.decorator.js';
import { Requires } from '../auth/requires.decorator.js';

@ApiTags('sagas')
@ApiExtraModels(SagaViewDto)
@Controller('sagas')
export class SagaController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Requires('orders.place')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a saga of any type that declares a payload (GET /api/v1/saga-types lists them); it runs in the background',
    description:
      "The payload is checked against the type's payload schema (a mistake is a 400 naming its path, e.g. payload.items.0.quantity). " +
      'sagaType place-order takes the body of POST /api/v1/orders and places a real order, returned as resource. ' +
      'Repeat the request with the same Idempotency-Key to get the same saga (header Idempotent-Replayed: true) without a second one.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Any printable string up to 255 chars; X-Idempotency-Key is accepted too.' })
  @ApiCreatedResponse({ type: SagaStartedDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'The payload does not match, or sagaType declares no payload (SAGA_TYPE_NOT_STARTABLE).' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'sagaType is not a registered saga type (SAGA_TYPE_NOT_FOUND).' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'The key was used with a different request.' })
  async start(
    @Body() body: StartSagaDto,
    @IdempotencyKeyHeader() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<SagaStartedDto> {
    const { replayed, ...started }: SagaStartResult = await this.commands.execute(new StartSaga(body.sagaType, body.payload, idempotencyKey));
    if (replayed) void res.header('Idempotent-Replayed', 'true');
    return started;
  }

  @Get()
  @Requires('operations.read')
  @ApiOperation({ summary: 'Sagas, newest first, by status and type (e.g. ?status=FAILED for the ones that need a person)' })
  @ApiOkResponse({ type: SagaPageDto })
  list(@Query() query: ListSagasQueryDto): Promise<SagaPage> {
    return this.queries.execute(new ListSagas({ status: query.status, type: query.type, limit: query.limit ?? 20, cursor: query.cursor }));
  }

  @Get('stats')
  @Requires('operations.read')
  @ApiOperation({ summary: 'How many sagas are in each status (optionally of one type), and the types there are' })
  @ApiOkResponse({ schema: { example: { counts: { STARTED: 0, RUNNING: 2, COMPLETED: 40, COMPENSATING: 0, COMPENSATED: 4, FAILED: 1 }, types: ['place-order'] } } })
  stats(@Query() query: SagaStatsQueryDto): Promise<SagaStats> {
    return this.queries.execute(new GetSagaStats(query.type));
  }

  @Get(':id')
  @Requires('operations.read')
  @ApiOperation({ summary: 'A saga with its status and step history' })
  @ApiOkResponse({ type: SagaViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  get(@Param() { id }: SagaIdParams): Promise<SagaView> {
    return this.queries.execute(new GetSaga(id));
  }

  @Post(':id/retry')
  @Requires('operations.act')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a FAILED saga: its compensation is tried again from where it stopped; one FAILED because it could not be handled resumes where it was',
  })
  @ApiOkResponse({ type: SagaViewDto, description: 'The saga, COMPENSATING again (or back in the status it had).' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The saga is not FAILED.' })
  async retry(@Param() { id }: SagaIdParams, @CallerName() actor: string): Promise<SagaView> {
    await this.commands.execute(new RetrySaga(id, actor));
    return this.queries.execute(new GetSaga(id));
  }
}
