import { IsString, Matches } from 'class-validator';

/** Printable ASCII without spaces, 1-255 characters: the same rule for the HTTP header and gRPC. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Every mutating RPC names its attempt, so a repeated call changes nothing. */
export class IdempotentRequestDto {
  @IsString()
  @Matches(IDEMPOTENCY_KEY, { message: '$property must be 1-255 printable characters without spaces' })
  idempotencyKey!: string;
}
