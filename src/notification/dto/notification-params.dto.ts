import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** `/orders/:id/notifications`: kept by the order id they were sent for (text, as the participant RPCs accept it). */
export class NotificationOrderParams {
  @ApiProperty({ example: '0d4f3c8e-2b6a-4f0e-8a57-3f1b2c9d7e61', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  id!: string;
}
