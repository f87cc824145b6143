import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiConflictResponse, ApiExtraModels, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { ListSagasQueryDto, SagaStatsQueryDto } from './dto/list-sagas.query.dto.js';
import { SagaIdParams } from './dto/saga-params.dto.js';
import { SagaPageDto, SagaViewDto } from './dto/saga-view.dto.js';
import { GetSaga, GetSagaStats, ListSagas, RetrySaga, type SagaPage, type SagaStats, type SagaView } from './saga.messages.js';
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
