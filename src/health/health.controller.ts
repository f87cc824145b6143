import { Controller, Get, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Relay } from '../messaging/relay.js';
import { PUBLIC, Requires } from '../auth/requires.decorator.js';

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
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly typeorm: TypeOrmHealthIndicator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Requires('operations.read')
  @ApiOperation({ summary: "The server's state: its database and its relay; 503 while degraded" })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'up', relay: 'running' } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'degraded', database: 'down', relay: 'backing-off' } } })
  async check(@Res({ passthrough: true }) res: FastifyReply): Promise<Health> {
    const up = await this.db.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const relay = this.relay.state;
    const healthy = up && relay !== 'backing-off';
    if (!healthy) res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: healthy ? 'ok' : 'degraded', database: up ? 'up' : 'down', relay };
  }

  @Get('live')
  @Requires(PUBLIC)
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (restart it if not)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @Requires(PUBLIC)
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database reachable, migrations applied, relay running, outbox backlog young enough' })
  async ready(@Res({ passthrough: true }) res: FastifyReply): Promise<unknown> {
    // Terminus reports a failed check as a 503 exception; answer its report as it is.
    return this.readiness().catch((error: unknown) => {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse();
    });
  }

  private readiness() {
    return this.health.check([
      () => this.typeorm.pingCheck('database', { connection: this.db, timeout: 2000 }),
      async () => {
        const check = this.indicators.check('migrations');
        const pending = await this.db.showMigrations().catch(() => null);
        return pending === false ? check.up() : check.down({ pending: pending ?? 'unknown' });
      },
      () => {
        const check = this.indicators.check('relay');
        const state = this.relay.state;
        // An instance run as API only (RELAY_ENABLED=false) is ready without a relay.
        return state === 'running' || !this.config.relay.enabled ? check.up({ state }) : check.down({ state });
      },
      async () => {
        const check = this.indicators.check('outbox');
        const limitMs = this.config.readyMaxBacklogAgeMs;
        const rows: { age: number | null }[] | null = await this.db
          .query(
            `SELECT extract(epoch FROM now() - min(available_at))::float * 1000 AS age FROM messaging.outbox
              WHERE processed_at IS NULL AND dead_at IS NULL AND available_at <= now()`,
          )
          .catch(() => null);
        if (!rows) return check.down({ limitMs, oldestDueMs: 'unknown' });
        const ageMs = Math.round(rows[0].age ?? 0);
        return ageMs <= limitMs ? check.up({ oldestDueMs: ageMs, limitMs }) : check.down({ oldestDueMs: ageMs, limitMs });
      },
    ]);
  }
}
