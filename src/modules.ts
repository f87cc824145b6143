import type { ModuleName } from './config/app-config.js';
import { inventoryManifest } from './inventory/inventory.manifest.js';
import type { ModuleManifest } from './module-manifest.js';
import { notificationManifest } from './notification/notification.manifest.js';
import { orderManifest } from './order/order.manifest.js';
import { paymentManifest } from './payment/payment.manifest.js';
import { sagaManifest } from './saga/saga.manifest.js';
import { shippingManifest } from './shipping/shipping.manifest.js';
import { WebhooksSchema1765600000000 } from './webhooks/migrations/1765600000000-webhooks-schema.js';

/**
 * Every business module, by name: the one registration of a module. The compiler refuses a
 * module of `MODULE_NAMES` without its manifest, and a manifest filed under another name.
 */
export const MODULES: { readonly [M in ModuleName]: ModuleManifest & { name: M } } = {
  // Webhooks on order status go with order, in its database (see `WebhooksModule` in app.module.ts).
  order: { ...orderManifest, migrations: [...orderManifest.migrations, WebhooksSchema1765600000000] },
  saga: sagaManifest,
  inventory: inventoryManifest,
  payment: paymentManifest,
  shipping: shippingManifest,
  notification: notificationManifest,
};

/** The manifests of the modules a process hosts (`config.modules`), in that order. */
export const hostedManifests = (modules: readonly ModuleName[]): ModuleManifest[] => modules.map((name) => MODULES[name]);
