import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExtraModels, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { SagaViewDto } from './dto/saga-view.dto.js';
import { GetSaga, type SagaView } from './saga.messages.js';

@ApiTags('sagas')
@ApiExtraModels(SagaViewDto)
@Controller('sagas')
export class SagaController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id')
  @ApiOperation({ summary: 'A saga with its status and step history' })
  @ApiOkResponse({ type: SagaViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  get(@Param('id') id: string): Promise<SagaView> {
    return this.queries.execute(new GetSaga(id));
  }
}
