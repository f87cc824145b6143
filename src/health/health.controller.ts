import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Relay } from '../messaging/relay.js';

interface Health {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  relay: Relay['state'];
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: DataSource,
    private readonly relay: Relay,
  ) {}

  @Get()
  @ApiOperation({ summary: "The server's state: its database and its relay; 503 while degraded" })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'up', relay: 'running' } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'degraded', database: 'down', relay: 'backing-off' } } })
  async check(@Res({ passthrough: true }) res: Response): Promise<Health> {
    const up = await this.db.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const relay = this.relay.state;
    const healthy = up && relay !== 'backing-off';
    if (!healthy) res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: healthy ? 'ok' : 'degraded', database: up ? 'up' : 'down', relay };
  }
}
