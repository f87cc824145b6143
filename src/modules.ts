import type { ModuleName } from './config/app-config.js';
import { inventoryManifest } from './inventory/inventory.manifest.js';
import type { ModuleManifest } from './module-manifest.js';
import { notificationManifest } from './notification/notification.manifest.js';
import { orderManifest } from './order/order.manifest.js';
import { paymentManifest } from './payment/payment.manifest.js';
import { sagaManifest } from './saga/saga.manifest.js';
import { shippingManifest } from './shipping/shipping.manifest.js';

/**
 * Every business module, by name: the one registration of a module. The compiler refuses a
 * module of `MODULE_NAMES` without its manifest, and a manifest filed under another name.
 */
export const MODULES: { readonly [M in ModuleName]: ModuleManifest & { name: M } } = {
  order: orderManifest,
  saga: sagaManifest,
  inventory: inventoryManifest,
  payment: paymentManifest,
  shipping: shippingManifest,
  notification: notificationManifest,
};

/** The manifests of the modules a process hosts (`config.modules`), in that order. */
export const hostedManifests = (modules: readonly ModuleName[]): ModuleManifest[] => modules.map((name) => MODULES[name]);
