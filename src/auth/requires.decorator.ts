import { SetMetadata } from '@nestjs/common';
import type { Permission } from './roles.js';

export const REQUIRES = 'auth:requires';

/** Open to every caller, also once keys are configured: only the liveness and readiness probes. */
export const PUBLIC = 'public';

/**
 * The one permission a route or RPC needs, on the handler or its controller. A handler that
 * declares none is refused to everyone (`AccessGuard`): forgetting it cannot open an endpoint.
 */
export const Requires = (permission: Permission | typeof PUBLIC) => SetMetadata(REQUIRES, permission);
