import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/database/embedded-postgres.mjs';
import { waitFor } from './wait-for.js';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/**
 * The built app (`npm test` builds it first) as a real child process, to be killed with -9 or
 * stopped with SIGTERM like a deployed instance.
 */
export class AppProcess {
  readonly exited: Promise<number | null>;
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  /** Starts the app and waits until `readyPath` answers 2xx (`/health`: database up, relay running). */
  static async start(env: Record<string, string>, readyPath = '/health'): Promise<AppProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), GRPC_PORT: '0', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(child, `http://127.0.0.1:${port}`);
    let exited = false;
    void app.exited.then(() => (exited = true));
    try {
      await waitFor('the app to be ready', async () => {
        if (exited) throw new Error(`the app exited during start-up:\n${app.logs()}`);
        return fetch(`${app.url}${readyPath}`).then((r) => (r.ok ? true : undefined), () => undefined);
      }, 30_000);
    } catch (error) {
      child.kill('SIGKILL'); // a process that never became ready must not outlive the test
      throw new Error(`${String(error)}\n${app.logs().slice(-4000)}`);
    }
    return app;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  logs(): string {
    return this.output.join('');
  }
}
