import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { callerOfRequest, type RequestWithCaller } from './caller.js';
import { Requires } from './requires.decorator.js';
import { PERMISSIONS, type Permission, ROLES, type Role } from './roles.js';

class WhoAmIDto {
  @ApiProperty({ description: 'False while no API keys are configured (protected mode: local callers only).' })
  keysConfigured!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'ops-team', description: "The key's name; null without keys." })
  name!: string | null;

  @ApiProperty({ enum: ROLES, nullable: true, example: 'operator' })
  role!: Role | null;

  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: Permission[];
}

/** Lets a client (the dashboard) learn whether it needs a key and what its key may do. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('whoami')
  @Requires('self.read')
  @ApiOperation({ summary: "The caller's key: its name, role and permissions" })
  @ApiOkResponse({ type: WhoAmIDto })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto })
  whoami(@Req() req: RequestWithCaller): WhoAmIDto {
    const caller = callerOfRequest(req, this.config.security.apiKeys);
    return {
      keysConfigured: this.config.security.apiKeys.length > 0,
      name: caller.kind === 'key' ? caller.name : null,
      role: caller.kind === 'key' ? caller.role : null,
      permissions: [...caller.permissions],
    };
  }
}
