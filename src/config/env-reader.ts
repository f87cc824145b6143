type Env = Record<string, string | undefined>;

/** The process refuses to start with these: every bad setting named, with what it accepts. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

interface Range {
  min?: number;
  max?: number;
}

/**
 * Reads settings from the environment and collects every problem instead of stopping at the
 * first, so one start-up names them all. An unset or empty variable takes its default; a set one
 * must parse completely and lie in its range (no silent clamping, no `parseInt` leniency).
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /** A whole number in [min, max]. */
  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: Range = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
    return this.fail(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`, fallback);
  }

  /** A share from 0 to 1. */
  rate(name: string): number {
    const raw = this.raw(name);
    if (raw === undefined) return 0;
    const value = /^\d*\.?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (value >= 0 && value <= 1) return value;
    return this.fail(`${name} must be a number from 0 to 1, got "${raw}"`, 0);
  }

  /** `true` or `false`, nothing else (a typo must not flip a safety switch). */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    return this.fail(`${name} must be true or false, got "${raw}"`, fallback);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    return this.fail(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`, fallback);
  }

  /**
   * A string that `accepts` (a pattern or a test), described by `what` in the error. A `secret`
   * one (a URL with a password in it) is never repeated in the error.
   */
  string(name: string, fallback: string, accepts: RegExp | ((raw: string) => boolean), what: string, { secret = false } = {}): string {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (typeof accepts === 'function' ? accepts(raw) : accepts.test(raw)) return raw;
    return this.fail(`${name} must be ${what}, got ${secret ? `a value of ${raw.length} characters (not shown: it may hold a password)` : `"${raw}"`}`, fallback);
  }

  /** A comma-separated list, entries trimmed, empty entries dropped. */
  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Records a problem (a relation between settings, or a value a parser refused). */
  check(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  fail<T>(problem: string, fallback: T): T {
    this.problems.push(problem);
    return fallback;
  }

  /** Throws a ConfigError naming every problem found, if any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
