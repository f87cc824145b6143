import { ModuleError } from '../errors/module-error.js';

export type InventoryErrorCode = 'PRODUCT_NOT_FOUND' | 'PRODUCT_EXISTS';

export class InventoryError extends ModuleError<InventoryErrorCode> {}
