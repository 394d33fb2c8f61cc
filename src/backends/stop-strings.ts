// Stop strings applied to decoded text, the same way by every backend: samplers stop on the renderer's
// end-of-turn tokens, and the caller's stop strings cut the decoded answer (a Tinker sampler takes stop
// strings or stop token ids, not a mix, so the client cuts the text itself).

/** `text` cut before the earliest occurrence of any non-empty stop string (trailing space trimmed), and
 *  whether one was found. */
export function truncateAtStop(text: string, stop: readonly string[]): { text: string; stopped: boolean } {
  let cut = -1;
  for (const s of stop) {
    const i = s === '' ? -1 : text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) cut = i;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut).trimEnd(), stopped: true };
}
