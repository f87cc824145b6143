import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Metrics } from './metrics.js';
import { Requires } from '../auth/requires.decorator.js';

@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Requires('operations.read')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics: sagas, steps, retries, timeouts, outbox backlog, relay, HTTP, process' })
  @ApiOkResponse({ schema: { type: 'string', example: 'saga_started_total{type="place-order"} 2' } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
