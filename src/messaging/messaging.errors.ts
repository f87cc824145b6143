import { ModuleError } from '../errors/module-error.js';

export type MessagingErrorCode = 'DEAD_LETTER_NOT_FOUND';

export class MessagingError extends ModuleError<MessagingErrorCode> {}
