import { IsString, Matches } from 'class-validator';

/** Every mutating RPC names its attempt, so a repeated call changes nothing. */
export class IdempotentRequestDto {
  @IsString()
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'idempotency_key must be 1-255 printable characters without spaces' })
  idempotencyKey!: string;
}
