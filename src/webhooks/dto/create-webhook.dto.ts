import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SECRET_FORMAT } from '../webhook-signature.js';
import { WEBHOOK_EVENT_NAMES, type WebhookEventName } from '../webhook.messages.js';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://shop.example/hooks/orders', description: 'http or https; refused if it resolves to a private, loopback, link-local or unspecified address (unless WEBHOOK_ALLOW_PRIVATE).' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_NAMES, isArray: true, example: ['order.confirmed', 'order.cancelled'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_NAMES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_NAMES, { each: true, message: `each value in events must be one of ${WEBHOOK_EVENT_NAMES.join(', ')}` })
  events!: WebhookEventName[];

  @ApiPropertyOptional({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Standard Webhooks secret (`whsec_` + base64 of 24 to 64 bytes); generated when absent.' })
  @IsOptional()
  @IsString()
  @Matches(SECRET_FORMAT, { message: 'secret must be whsec_ followed by the base64 of 24 to 64 random bytes' })
  secret?: string;
}
