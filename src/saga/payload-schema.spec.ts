import { describe, expect, it } from '@jest/globals';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }] }) price!: string | number;
}

describe('payloadSchema', () => {
  it('reads a payload class as a JSON schema: types, options, required fields, nested classes, arrays of them, a class inside itself, a oneOf', () => {
    const leaf = { type: 'object', properties: { name: { type: 'string', example: 'x', maxLength: 10 }, parent: { type: 'object' } }, required: ['name'] };
    expect(payloadSchema(Root)).toEqual({
      type: 'object',
      properties: {
        count: { type: 'number', minimum: 1, description: 'how many' },
        ok: { type: 'boolean' },
        leaves: { type: 'array', items: leaf, maxItems: 3 },
        kind: { type: 'string', enum: ['a', 'b'] },
        price: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['count', 'ok', 'leaves', 'price'],
    });
  });
});
