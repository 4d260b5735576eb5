/**
 * @module repo/id-set: a compact set of blob ids for walking and marking millions of blobs (maintenance,
 * check). It keeps the first 16 bytes of each id (ids are HMAC outputs: 128 bits cannot collide by chance
 * among any number of blobs a repository will hold) in one open-addressing table of Uint32 words: 16 bytes
 * a slot, load at most 0.7, so 23-46 bytes per id and no per-id objects.
 */

const WORDS = 4;
const MAX_LOAD = 0.7;

export class BlobIdSet {
  #table: Uint32Array;
  #slots: number;
  #count = 0;
  /** An id whose 16 stored bytes are all zero cannot use the table (zero marks an empty slot). */
  #hasZero = false;
  readonly #key = new Uint32Array(WORDS);
  readonly #scratch = Buffer.alloc(WORDS * 4);

  constructor(expected = 1024) {
    this.#slots = 1 << Math.max(10, Math.ceil(Math.log2(expected / MAX_LOAD)));
    this.#table = new Uint32Array(this.#slots * WORDS);
  }

  get size(): number {
    return this.#count;
  }

  /** Bytes the table takes. */
  get byteLength(): number {
    return this.#table.byteLength;
  }

  has(id: string): boolean {
    if (!this.#parse(id)) return false;
    if (this.#isZero()) return this.#hasZero;
    return this.#find(this.#table, this.#slots) >= 0;
  }

  /** Adds the id; true when it was not in the set. */
  add(id: string): boolean {
    if (!this.#parse(id)) throw new RangeError(`not a blob id: ${JSON.stringify(id)}`);
    if (this.#isZero()) {
      if (this.#hasZero) return false;
      this.#hasZero = true;
      this.#count++;
      return true;
    }
    const at = this.#find(this.#table, this.#slots);
    if (at >= 0) return false;
    this.#table.set(this.#key, ~at * WORDS);
    this.#count++;
    if (this.#count > this.#slots * MAX_LOAD) this.#grow();
    return true;
  }

  #parse(id: string): boolean {
    if (typeof id !== 'string' || id.length !== 64 || this.#scratch.write(id.slice(0, 32), 'hex') !== 16) return false;
    for (let w = 0; w < WORDS; w++) this.#key[w] = this.#scratch.readUInt32LE(w * 4);
    return true;
  }

  #isZero(): boolean {
    return (this.#key[0]! | this.#key[1]! | this.#key[2]! | this.#key[3]!) === 0;
  }

  /** The slot holding the current key, or ~slot of the empty slot where it would go. */
  #find(table: Uint32Array, slots: number): number {
    const k = this.#key;
    const mask = slots - 1;
    for (let slot = k[0]! & mask; ; slot = (slot + 1) & mask) {
      const b = slot * WORDS;
      if ((table[b]! | table[b + 1]! | table[b + 2]! | table[b + 3]!) === 0) return ~slot;
      if (table[b] === k[0] && table[b + 1] === k[1] && table[b + 2] === k[2] && table[b + 3] === k[3]) return slot;
    }
  }

  #grow(): void {
    const old = this.#table;
    const slots = this.#slots * 2;
    const table = new Uint32Array(slots * WORDS);
    const mask = slots - 1;
    for (let b = 0; b < old.length; b += WORDS) {
      if ((old[b]! | old[b + 1]! | old[b + 2]! | old[b + 3]!) === 0) continue;
      let slot = old[b]! & mask;
      while ((table[slot * WORDS]! | table[slot * WORDS + 1]! | table[slot * WORDS + 2]! | table[slot * WORDS + 3]!) !== 0) slot = (slot + 1) & mask;
      table.set(old.subarray(b, b + WORDS), slot * WORDS);
    }
    this.#table = table;
    this.#slots = slots;
  }
}
