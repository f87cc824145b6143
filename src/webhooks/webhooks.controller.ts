import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Requires } from '../auth/requires.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { validationFailed } from '../http/validation.js';
import { CreateWebhookDto } from './dto/create-webhook.dto.js';
import { CreatedWebhookDto, WebhookDto, WebhookIdParams, WebhookListDto } from './dto/webhook-view.dto.js';
import { generateSecret } from './webhook-signature.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';
import { resolveTarget, TargetRefused } from './webhook-target.js';
import { WebhookError } from './webhooks.errors.js';
import { deleteWebhook, insertWebhook, listWebhooks, type WebhookRow } from './webhooks.repository.js';

const toDto = (w: WebhookRow): WebhookDto => ({ id: w.id, url: w.url, events: w.events, createdAt: w.createdAt.toISOString() });

@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly db: DataSource,
    private readonly subscriptions: WebhookSubscriptions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @Requires('webhooks.manage')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a webhook for order events; the answer shows its signing secret, once' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'A bad field, or a url that is not http(s) or reaches a private address.' })
  async create(@Body() body: CreateWebhookDto): Promise<CreatedWebhookDto> {
    try {
      await resolveTarget(body.url, this.config.webhooks.allowPrivate);
    } catch (error) {
      if (error instanceof TargetRefused) throw validationFailed([{ field: 'url', messages: [error.message] }]);
      throw error;
    }
    const secret = body.secret ?? generateSecret();
    const row = await insertWebhook(this.db, { id: randomUUID(), url: body.url, events: body.events, secret });
    await this.subscriptions.reload(); // this instance's next order already sees it; the others on their NOTIFY
    return { ...toDto(row), secret };
  }

  @Get()
  @Requires('webhooks.manage')
  @ApiOperation({ summary: 'The registered webhooks, oldest first (their secrets are never shown again)' })
  @ApiOkResponse({ type: WebhookListDto })
  async list(): Promise<WebhookListDto> {
    return { items: (await listWebhooks(this.db)).map(toDto) };
  }

  @Delete(':id')
  @Requires('webhooks.manage')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook: nothing more is sent to it, including what it is still owed' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async remove(@Param() { id }: WebhookIdParams): Promise<void> {
    if (!(await deleteWebhook(this.db, id))) throw new WebhookError('WEBHOOK_NOT_FOUND', `No webhook ${id}`);
    await this.subscriptions.reload();
  }
}
