import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `proto/` beside `src/` (and copied beside `dist/src/` by `nest build`). */
export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

/** Every `.proto` file: a client of other processes' modules may call any of them. */
export const allProtoFiles = (): string[] => readdirSync(PROTO_DIR).filter((f) => f.endsWith('.proto')).map((f) => PROTO_DIR + f);
