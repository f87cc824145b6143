import { describe, expect, it } from '@jest/globals';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CreateOrderDto } from '../order/dto/create-order.dto.js';
import { payloadSchema } from './payload-schema.js';

class Leaf {
  @ApiProperty({ example: 'x', maxLength: 10 }) name!: string;
  @ApiPropertyOptional({ type: () => Leaf }) parent?: Leaf;
}

class Root {
  @ApiProperty({ minimum: 1, description: 'how many' }) count!: number;
  @ApiProperty() ok!: boolean;
  @ApiProperty({ type: [Leaf], maxItems: 3 }) leaves!: Leaf[];
  @ApiPropertyOptional({ enum: ['a', 'b'] }) kind?: string;
}

describe('payloadSchema', () => {
  it('reads a payload class as a JSON schema: types, options, required fields, nested classes, arrays of them and a class inside itself', () => {
    const leaf = { type: 'object', properties: { name: { type: 'string', example: 'x', maxLength: 10 }, parent: { type: 'object' } }, required: ['name'] };
    expect(payloadSchema(Root)).toEqual({
      type: 'object',
      properties: {
        count: { type: 'number', minimum: 1, description: 'how many' },
        ok: { type: 'boolean' },
        leaves: { type: 'array', items: leaf, maxItems: 3 },
        kind: { type: 'string', enum: ['a', 'b'] },
      },
      required: ['count', 'ok', 'leaves'],
    });
  });

  it("describes place-order's payload, the body of POST /orders", () => {
    const schema = payloadSchema(CreateOrderDto);
    expect(schema).toMatchObject({ required: ['customerId', 'items'], properties: { items: { type: 'array', minItems: 1, maxItems: 100 } } });
    expect(schema.properties!.items.items).toMatchObject({
      required: ['productId', 'quantity', 'price'],
      properties: { price: { oneOf: [{ type: 'string', example: '19.99' }, { type: 'number', example: 19.99 }] } },
    });
  });
});
