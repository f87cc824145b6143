import { ApiProperty } from '@nestjs/swagger';
import { IsUuid } from '../../common/is-uuid.js';
import { WEBHOOK_EVENT_NAMES, type WebhookEventName } from '../webhook.messages.js';

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_NAMES, isArray: true }) events!: WebhookEventName[];
  @ApiProperty() createdAt!: string;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({ description: 'The signing secret: shown in this answer only, never again.' }) secret!: string;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] }) items!: WebhookDto[];
}

export class WebhookIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUuid()
  id!: string;
}
