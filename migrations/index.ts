import { InitialSchema1763800000000 } from './1763800000000-initial-schema.js';
import { NotifyOwedRowsOnly1764400000000 } from './1764400000000-notify-owed-rows-only.js';
import { OutboxClaimToken1764800000000 } from './1764800000000-outbox-claim-token.js';
import { PoisonedSagas1764900000000 } from './1764900000000-poisoned-sagas.js';
import { OutboxDestination1765000000000 } from './1765000000000-outbox-destination.js';

/** Every migration, oldest first. Listed, not globbed, so tests and the build load the same set. */
export const migrations = [InitialSchema1763800000000, NotifyOwedRowsOnly1764400000000, OutboxClaimToken1764800000000, PoisonedSagas1764900000000, OutboxDestination1765000000000];
