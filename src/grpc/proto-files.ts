import { fileURLToPath } from 'node:url';

/** `proto/` beside `src/` (and copied beside `dist/src/` by `nest build`). */
const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

export const GRPC_PACKAGES = ['order.v1', 'inventory.v1', 'payment.v1', 'saga.v1'];
export const PROTO_FILES = ['order.proto', 'inventory.proto', 'payment.proto', 'saga.proto'].map((f) => PROTO_DIR + f);
