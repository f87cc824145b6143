import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Requires } from '../auth/requires.decorator.js';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { NotificationOrderParams } from './dto/notification-params.dto.js';
import { NotificationViewDto } from './dto/notification-view.dto.js';
import { ListNotifications, type NotificationView } from './notification.messages.js';

@ApiTags('notifications')
@Controller('orders')
export class NotificationController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/notifications')
  @Requires('business.read')
  @ApiOperation({ summary: "An order's notifications to its customer, oldest first (an empty list when none was sent)" })
  @ApiOkResponse({ type: [NotificationViewDto] })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  list(@Param() { id: orderId }: NotificationOrderParams): Promise<NotificationView[]> {
    return this.queries.execute(new ListNotifications(orderId));
  }
}
