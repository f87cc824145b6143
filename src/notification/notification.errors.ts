import { ModuleError } from '../errors/module-error.js';

/** None yet: every valid request has an answer (an order without notifications has an empty list). */
export type NotificationErrorCode = never;

export class NotificationError extends ModuleError<NotificationErrorCode> {}
