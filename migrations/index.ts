import { InitialSchema1763800000000 } from './1763800000000-initial-schema.js';
import { NotifyOwedRowsOnly1764400000000 } from './1764400000000-notify-owed-rows-only.js';

/** Every migration, oldest first. Listed, not globbed, so tests and the build load the same set. */
export const migrations = [InitialSchema1763800000000, NotifyOwedRowsOnly1764400000000];
