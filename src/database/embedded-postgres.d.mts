export function freePort(): Promise<number>;
export function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent?: boolean;
}): Promise<{ url: string; stop: () => Promise<void> }>;
export function releaseSignalHandlers(): void;
