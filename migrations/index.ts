import { InitialSchema1763800000000 } from './1763800000000-initial-schema.js';

/** Every migration, oldest first. Listed, not globbed, so tests and the build load the same set. */
export const migrations = [InitialSchema1763800000000];
