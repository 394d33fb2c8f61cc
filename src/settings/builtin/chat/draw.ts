// Seeded draws for the chat settings' generators: every prompt set is made from one `seededRandom`
// stream (src/analysis), so a setting builds the same prompts on every machine.

/** A uniform draw in [0, 1). */
export type Draw = () => number;

export function pick<T>(draw: Draw, items: readonly T[]): T {
  return items[Math.floor(draw() * items.length)]!;
}

/** A whole number in [lo, hi]. */
export function between(draw: Draw, lo: number, hi: number): number {
  return lo + Math.floor(draw() * (hi - lo + 1));
}
