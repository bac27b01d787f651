// Output of az (and the proxy it starts), kept for diagnosis with every secret masked before anyone sees it. A secret
// split across two chunks is still caught: the last (longest secret - 1) characters stay unflushed until the next
// chunk shows whether they begin a secret.

export const MASK = '***';
/** A secret prefix this short at the very end of the output is masked too (a dying process may cut a token). */
const MIN_PARTIAL = 4;

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret containing another is masked whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join(MASK);
  return out;
}

/** Masks a trailing fragment that could be the start of a secret (used when no more output will come). */
export function maskTrailingPrefix(text: string, secrets: readonly string[]): string {
  for (const s of secrets) {
    for (let n = Math.min(s.length - 1, text.length); n >= MIN_PARTIAL; n--) {
      if (text.endsWith(s.slice(0, n))) return text.slice(0, text.length - n) + MASK;
    }
  }
  return text;
}

/** Masks a leading fragment that could be the end of a secret (a window read from the middle of a file). */
export function maskLeadingSuffix(text: string, secrets: readonly string[]): string {
  for (const s of secrets) {
    for (let n = Math.min(s.length - 1, text.length); n >= MIN_PARTIAL; n--) {
      if (text.startsWith(s.slice(s.length - n))) return MASK + text.slice(n);
    }
  }
  return text;
}

export class MaskedTail {
  private readonly secrets: string[];
  private readonly hold: number;
  /** Masked text not yet flushed: short enough that it might still be the start of a secret. */
  private pending = '';
  private text = '';
  private partialLine = '';

  constructor(
    secrets: readonly (string | undefined)[],
    private readonly max = 8192,
    private readonly onLine?: (line: string) => void,
  ) {
    // Longest first, so a secret containing another is masked whole.
    this.secrets = secrets.filter((s): s is string => !!s).sort((a, b) => b.length - a.length);
    this.hold = Math.max(0, (this.secrets[0]?.length ?? 0) - 1);
  }

  push(chunk: string): void {
    const masked = maskSecrets(this.pending + chunk, this.secrets);
    const cut = Math.max(0, masked.length - this.hold);
    this.pending = masked.slice(cut);
    this.flush(masked.slice(0, cut));
  }

  /** No more output will come: flush what was held back (masking a cut-off secret prefix). */
  end(): void {
    const rest = maskTrailingPrefix(this.pending, this.secrets);
    this.pending = '';
    this.flush(rest);
    if (this.partialLine) this.onLine?.(this.partialLine);
    this.partialLine = '';
  }

  /** The last `max` characters seen, masked (including what is still held back). */
  tail(): string {
    const all = this.text + maskTrailingPrefix(this.pending, this.secrets);
    return all.length > this.max ? all.slice(all.length - this.max) : all;
  }

  private flush(masked: string): void {
    if (!masked) return;
    this.text += masked;
    if (this.text.length > 2 * this.max) this.text = this.text.slice(this.text.length - this.max);
    if (this.onLine) {
      const lines = (this.partialLine + masked).split(/\r?\n/);
      this.partialLine = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.onLine(line);
    }
  }
}

/** The last lines of `text`, for quoting in an error message. */
export function lastLines(text: string, n = 12): string {
  const lines = text.trimEnd().split(/\r?\n/);
  return lines.slice(-n).join('\n');
}
