import { NotifyOwedRowsOnly1764400000000 } from '../../../migrations/1764400000000-notify-owed-rows-only.js';
import { OutboxClaimToken1764800000000 } from '../../../migrations/1764800000000-outbox-claim-token.js';
import { PoisonedSagas1764900000000 } from '../../../src/saga/migrations/1764900000000-poisoned-sagas.js';
import { InitialSchema1763800000000 } from './1763800000000-initial-schema.js';

/** The migrations of the last build before they were split per module, oldest first: only the first was split. */
export const combinedMigrations = [InitialSchema1763800000000, NotifyOwedRowsOnly1764400000000, OutboxClaimToken1764800000000, PoisonedSagas1764900000000];
