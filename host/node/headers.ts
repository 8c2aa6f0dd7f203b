// Response header fields: case-insensitive lookup, repeated fields kept, and
// iteration in the order the server sent them.
export class Headers implements Iterable<[string, string]> {
  readonly #pairs: [string, string][] = [];

  append(name: string, value: string): void {
    this.#pairs.push([name, value]);
  }

  /** The field's value; repeated fields are joined with ", " (RFC 9110 §5.3). */
  get(name: string): string | null {
    const values = this.getAll(name);
    return values.length === 0 ? null : values.join(', ');
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.#pairs.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    // without getAll's two arrays: has() runs for every response (is there a Content-Encoding?)
    return this.#pairs.some(([n]) => n.toLowerCase() === lower);
  }

  get size(): number {
    return this.#pairs.length;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.#pairs[Symbol.iterator]();
  }

  /** A plain object, lower-case names, repeated values joined. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [n] of this.#pairs) out[n.toLowerCase()] ??= this.get(n)!;
    return out;
  }
}
