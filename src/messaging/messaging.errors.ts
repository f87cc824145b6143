export type MessagingErrorCode = 'DEAD_LETTER_NOT_FOUND';

export class MessagingError extends Error {
  constructor(
    readonly code: MessagingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MessagingError';
  }
}
