export type InventoryErrorCode = 'PRODUCT_NOT_FOUND' | 'PRODUCT_EXISTS';

export class InventoryError extends Error {
  constructor(
    readonly code: InventoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InventoryError';
  }
}
