import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuthController } from './auth.controller.js';

/**
 * Who may call: API keys with roles on every route and RPC (`AccessGuard`, before any pipe or
 * handler) and the audit log of operator and admin actions (`AuditInterceptor`). The HTTP rate
 * limit is middleware (`rate-limit.ts`), so it counts requests before they are routed.
 */
@Module({
  controllers: [AuthController],
  providers: [
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
})
export class AuthModule {}
