export function freePort(): Promise<number>;
export function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent?: boolean;
  settings?: Record<string, string>;
}): Promise<{ url: string; stop: () => Promise<void> }>;
export function releaseSignalHandlers(): void;
