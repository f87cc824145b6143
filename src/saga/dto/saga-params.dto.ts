import { ApiProperty } from '@nestjs/swagger';
import { IsUuid } from '../../common/is-uuid.js';

/** `/sagas/:id`: saga ids are UUIDs; anything else is a 400, never a lookup. */
export class SagaIdParams {
  @ApiProperty({ format: 'uuid', example: '8b1e2f4a-9c3d-4e5f-a6b7-c8d9e0f1a2b3' })
  @IsUuid()
  id!: string;
}
