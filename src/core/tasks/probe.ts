// The knowledge probe: opaque item names ("Item 4F2A") in place of titles and all other item text, so a model
// can only use the user's behaviour, not what it knows about the titles. Names are stable per item (a hash of
// its external id, not of the seed), unique within the dataset, and carry no genre or year.
import { hashString } from './random';

/** Opaque names by dense item index. Width grows with the catalogue so that collisions stay rare; the few
 *  that remain are resolved by probing to the next free code, in item order (deterministic). */
export function opaqueItemNames(itemIds: readonly string[]): string[] {
  const n = itemIds.length;
  let width = 4;
  while (16 ** width < n * 16) width++;
  const space = 16 ** width;
  const used = new Set<number>();
  return itemIds.map((id) => {
    let code = hashString(`ubp-probe:${id}`) % space;
    while (used.has(code)) code = (code + 1) % space;
    used.add(code);
    return `Item ${code.toString(16).toUpperCase().padStart(width, '0')}`;
  });
}
