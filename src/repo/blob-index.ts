/**
 * @module repo/blob-index: the in-memory map blob id → location, compact enough for millions of blobs.
 *
 * Ids are stored as 32 binary bytes in one Uint8Array, the other fields in parallel typed arrays, and an
 * open-addressing table (linear probing, load ≤ 1/2) of entry numbers over them: about 57 bytes per blob
 * (a Map of objects costs over 300) and no per-blob garbage. Ids are HMAC outputs, so their first four bytes
 * are already a uniform hash. Pack names are interned: one string per pack.
 */
import { isHexId } from './crypto.ts';
import type { BlobId, BlobLocation, BlobType } from './types.ts';

const ID_BYTES = 32;
const TYPES: readonly BlobType[] = ['data', 'tree'];
const INITIAL_CAPACITY = 1024;

export class BlobIndex {
  #count = 0;
  #ids = new Uint8Array(INITIAL_CAPACITY * ID_BYTES);
  #packs = new Uint32Array(INITIAL_CAPACITY);
  #offsets = new Uint32Array(INITIAL_CAPACITY);
  #lengths = new Uint32Array(INITIAL_CAPACITY);
  #rawLengths = new Uint32Array(INITIAL_CAPACITY);
  #types = new Uint8Array(INITIAL_CAPACITY);
  /** Entry number + 1 per slot; 0 is empty. */
  #table = new Int32Array(INITIAL_CAPACITY * 2);
  readonly #packNames: string[] = [];
  readonly #packNumbers = new Map<string, number>();
  /** Other locations of blobs stored more than once (rare: concurrent writers, a crash, a repack in progress). */
  readonly #duplicates = new Map<BlobId, BlobLocation[]>();
  readonly #scratch = Buffer.alloc(ID_BYTES);

  get size(): number {
    return this.#count;
  }

  has(id: BlobId): boolean {
    return this.#find(id) >= 0;
  }

  get(id: BlobId): BlobLocation | undefined {
    const i = this.#find(id);
    return i < 0 ? undefined : this.#location(i);
  }

  /** Adds a location; false when the blob was already indexed (the first location stays, the other is remembered). */
  add(loc: BlobLocation): boolean {
    const i = this.#find(loc.id);
    if (i >= 0) {
      if (this.#packNames[this.#packs[i]!] !== loc.pack) {
        const list = this.#duplicates.get(loc.id) ?? [];
        if (!list.some((d) => d.pack === loc.pack)) list.push({ ...loc });
        this.#duplicates.set(loc.id, list);
      }
      return false;
    }
    if (this.#count === this.#types.length) this.#grow();
    const n = this.#count++;
    this.#ids.set(this.#idBytes(loc.id), n * ID_BYTES);
    this.#packs[n] = this.#intern(loc.pack);
    this.#offsets[n] = loc.offset;
    this.#lengths[n] = loc.length;
    this.#rawLengths[n] = loc.rawLength;
    this.#types[n] = TYPES.indexOf(loc.type);
    if (this.#count * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    else this.#insert(n);
    return true;
  }

  /** The other locations of a blob stored in more than one indexed pack (not the one `get` gives), or none. */
  copiesOf(id: BlobId): readonly BlobLocation[] {
    return this.#duplicates.get(id) ?? [];
  }

  /** The blobs stored in more than one indexed pack. */
  duplicateIds(): IterableIterator<BlobId> {
    return this.#duplicates.keys();
  }

  /** Every indexed location, in insertion order. */
  *entries(): IterableIterator<BlobLocation> {
    for (let i = 0; i < this.#count; i++) yield this.#location(i);
  }

  /**
   * Forgets the blobs of `packs` (packs deleted, or described only by superseded index files); a blob that
   * is also in a pack that stays keeps that location.
   */
  removePacks(packs: ReadonlySet<string>): void {
    if (packs.size === 0) return;
    const gone = new Set<number>();
    for (const p of packs) {
      const n = this.#packNumbers.get(p);
      if (n !== undefined) gone.add(n);
    }
    const kept: BlobLocation[] = [];
    for (let i = 0; i < this.#count; i++) {
      if (!gone.has(this.#packs[i]!)) continue;
      const id = this.#idHex(i);
      const alt = this.#duplicates.get(id)?.find((d) => !packs.has(d.pack));
      if (alt) kept.push(alt);
    }
    for (const [id, list] of this.#duplicates) {
      const left = list.filter((d) => !packs.has(d.pack));
      if (left.length) this.#duplicates.set(id, left);
      else this.#duplicates.delete(id);
    }
    this.#compact(gone);
    for (const loc of kept) {
      this.#duplicates.set(loc.id, (this.#duplicates.get(loc.id) ?? []).filter((d) => d.pack !== loc.pack));
      if (this.#duplicates.get(loc.id)!.length === 0) this.#duplicates.delete(loc.id);
      this.add(loc);
    }
  }

  #compact(gone: ReadonlySet<number>): void {
    let w = 0;
    for (let r = 0; r < this.#count; r++) {
      if (gone.has(this.#packs[r]!)) continue;
      if (w !== r) {
        this.#ids.copyWithin(w * ID_BYTES, r * ID_BYTES, (r + 1) * ID_BYTES);
        this.#packs[w] = this.#packs[r]!;
        this.#offsets[w] = this.#offsets[r]!;
        this.#lengths[w] = this.#lengths[r]!;
        this.#rawLengths[w] = this.#rawLengths[r]!;
        this.#types[w] = this.#types[r]!;
      }
      w++;
    }
    this.#count = w;
    this.#rehash(this.#table.length);
  }

  #location(i: number): BlobLocation {
    return {
      id: this.#idHex(i),
      type: TYPES[this.#types[i]!]!,
      pack: this.#packNames[this.#packs[i]!]!,
      offset: this.#offsets[i]!,
      length: this.#lengths[i]!,
      rawLength: this.#rawLengths[i]!,
    };
  }

  #idHex(i: number): string {
    return Buffer.from(this.#ids.buffer, i * ID_BYTES, ID_BYTES).toString('hex');
  }

  #idBytes(id: BlobId): Buffer {
    if (!isHexId(id)) throw new RangeError(`not a blob id: ${JSON.stringify(id)}`);
    this.#scratch.write(id, 'hex');
    return this.#scratch;
  }

  /** The entry number of `id`, or -1 (always for what is not an id: 64 lowercase hex digits). */
  #find(id: BlobId): number {
    if (!isHexId(id)) return -1;
    this.#scratch.write(id, 'hex');
    const key = this.#scratch;
    const mask = this.#table.length - 1;
    for (let slot = key.readUInt32LE(0) & mask; ; slot = (slot + 1) & mask) {
      const e = this.#table[slot]!;
      if (e === 0) return -1;
      if (this.#equals(e - 1, key)) return e - 1;
    }
  }

  #equals(n: number, key: Buffer): boolean {
    const base = n * ID_BYTES;
    const ids = this.#ids;
    for (let j = 0; j < ID_BYTES; j++) if (ids[base + j] !== key[j]) return false;
    return true;
  }

  #insert(n: number): void {
    const mask = this.#table.length - 1;
    const base = n * ID_BYTES;
    const ids = this.#ids;
    const h = (ids[base]! | (ids[base + 1]! << 8) | (ids[base + 2]! << 16) | (ids[base + 3]! << 24)) >>> 0;
    let slot = h & mask;
    while (this.#table[slot] !== 0) slot = (slot + 1) & mask;
    this.#table[slot] = n + 1;
  }

  #rehash(size: number): void {
    this.#table = new Int32Array(size);
    for (let n = 0; n < this.#count; n++) this.#insert(n);
  }

  #grow(): void {
    const cap = this.#types.length * 2;
    const grow = <T extends Uint8Array | Uint32Array>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(cap * per);
      b.set(a);
      return b;
    };
    this.#ids = grow(this.#ids, (n) => new Uint8Array(n), ID_BYTES);
    this.#packs = grow(this.#packs, (n) => new Uint32Array(n));
    this.#offsets = grow(this.#offsets, (n) => new Uint32Array(n));
    this.#lengths = grow(this.#lengths, (n) => new Uint32Array(n));
    this.#rawLengths = grow(this.#rawLengths, (n) => new Uint32Array(n));
    this.#types = grow(this.#types, (n) => new Uint8Array(n));
  }

  #intern(pack: string): number {
    let n = this.#packNumbers.get(pack);
    if (n === undefined) {
      n = this.#packNames.length;
      this.#packNames.push(pack);
      this.#packNumbers.set(pack, n);
    }
    return n;
  }
}
