/**
 * Reproducible randomness for the core's property tests: a failing case is replayed from its
 * seed. SplitMix32-style mixing of a Weyl sequence; statistical quality is plenty for test data.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  next32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform integer in [0, n) for n <= 2^32. */
  below(n: number): number {
    return Math.floor((this.next32() / 0x100000000) * n);
  }

  chance(p: number): boolean {
    return this.next32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** Uniform bigint of `bits` bits. */
  bits(bits: number): bigint {
    let value = 0n;
    for (let done = 0; done < bits; done += 32) value = (value << 32n) | BigInt(this.next32());
    return value >> BigInt((32 - (bits % 32)) % 32);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}
