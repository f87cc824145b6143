import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Requires } from '../auth/requires.decorator.js';
import { SagaTypeDto } from './dto/saga-type.dto.js';
import { ListSagaTypes, type SagaTypeView } from './saga.messages.js';

@ApiTags('sagas')
@Controller('saga-types')
export class SagaTypeController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Requires('business.read')
  @ApiOperation({ summary: 'The registered saga types and versions: their steps, and the payload schema of those POST /api/v1/sagas starts' })
  @ApiOkResponse({ type: [SagaTypeDto] })
  list(): Promise<SagaTypeView[]> {
    return this.queries.execute(new ListSagaTypes());
  }
}
