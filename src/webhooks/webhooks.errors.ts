import { ModuleError } from '../errors/module-error.js';

export type WebhookErrorCode = 'WEBHOOK_NOT_FOUND';

export class WebhookError extends ModuleError<WebhookErrorCode> {}
