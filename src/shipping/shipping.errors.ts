import { ModuleError } from '../errors/module-error.js';

export type ShippingErrorCode = 'SHIPMENT_NOT_FOUND';

export class ShippingError extends ModuleError<ShippingErrorCode> {}
