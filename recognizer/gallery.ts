/** Length of a face-api (dlib ResNet) descriptor. */
export const DESCRIPTOR_LENGTH = 128;

/**
 * How a person with several enrolled photos is compared with a face:
 * `mean` — the distance to the mean of the person's descriptors (one row per person);
 * `nearest` — the distance to the closest of the person's photos (one row per photo).
 * On LFW `mean` identifies more people at the same rate of strangers accepted (the mean
 * averages out each photo's lighting, pose and blur; docs/performance.md).
 */
export const MATCH_STRATEGIES = ['mean', 'nearest'] as const;
export type MatchStrategy = (typeof MATCH_STRATEGIES)[number];

export interface GalleryEntry {
  personId: number;
  personName: string;
  descriptor: ArrayLike<number>;
  /** The enrolled face's size in px; null or absent when not recorded. */
  faceSize?: number | null;
}

export interface Neighbour {
  personId: number;
  personName: string;
  /** Euclidean distance between the descriptors. */
  distance: number;
  /**
   * The size of the face(s) this row was enrolled from (the median over a person's photos
   * with `mean`), in px; undefined when not recorded. The match rule holds a face to the
   * threshold of the smaller of the two faces compared.
   */
  enrolledFaceSize?: number;
}

export interface Identification {
  /** The closest known person; undefined only when the gallery is empty. */
  nearest: Neighbour | undefined;
  /** `nearest` when its distance is strictly below the threshold. */
  match: Neighbour | undefined;
}

/** The median of some values; NaN for none. */
function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The match rule: strictly below the threshold, so a distance equal to MATCH_THRESHOLD is
 * not a match (face_recognition's `<= tolerance` differs only at that exact value) and
 * MATCH_THRESHOLD=0 means "never match".
 */
export function isMatch(distance: number, threshold: number): boolean {
  return distance < threshold;
}

/**
 * An immutable in-memory set of known descriptors, packed in one Float32Array so a lookup
 * is a tight loop over contiguous memory. With the `nearest` strategy each photo is a row
 * (the nearest row gives the minimum distance over a person's photos); with `mean` each
 * person is one row, the mean of their photos' descriptors.
 */
export class Gallery {
  static readonly empty = new Gallery([]);

  /** Enrolled descriptors (photos). */
  readonly size: number;
  readonly people: number;
  readonly strategy: MatchStrategy;
  /** Rows searched per lookup: photos (`nearest`) or people (`mean`). */
  private readonly rows: number;
  private readonly vectors: Float32Array;
  private readonly owners: Int32Array;
  /** Per row: the enrolled face size (NaN when unknown). */
  private readonly sizes: Float64Array;
  private readonly persons: Array<{ personId: number; personName: string }> = [];

  constructor(entries: readonly GalleryEntry[], strategy: MatchStrategy = 'mean') {
    this.strategy = strategy;
    for (const entry of entries) {
      if (entry.descriptor.length !== DESCRIPTOR_LENGTH) {
        throw new Error(
          `descriptor of person ${entry.personId} has ${entry.descriptor.length} values, expected ${DESCRIPTOR_LENGTH}`,
        );
      }
    }
    this.size = entries.length;
    const personIndex = new Map<number, number>();
    const ownerOf = entries.map((entry) => {
      let index = personIndex.get(entry.personId);
      if (index === undefined) {
        index = this.persons.length;
        personIndex.set(entry.personId, index);
        this.persons.push({ personId: entry.personId, personName: entry.personName });
      }
      return index;
    });
    this.people = this.persons.length;
    if (strategy === 'nearest') {
      this.rows = entries.length;
      this.vectors = new Float32Array(entries.length * DESCRIPTOR_LENGTH);
      this.owners = Int32Array.from(ownerOf);
      entries.forEach((entry, row) => this.vectors.set(entry.descriptor, row * DESCRIPTOR_LENGTH));
      this.sizes = Float64Array.from(entries, (entry) => entry.faceSize ?? NaN);
    } else {
      // Sums in float64, then one mean row per person.
      this.rows = this.people;
      const sums = new Float64Array(this.people * DESCRIPTOR_LENGTH);
      const counts = new Int32Array(this.people);
      entries.forEach((entry, row) => {
        const person = ownerOf[row]!;
        counts[person] = (counts[person] ?? 0) + 1;
        const offset = person * DESCRIPTOR_LENGTH;
        for (let i = 0; i < DESCRIPTOR_LENGTH; i++)
          sums[offset + i] = (sums[offset + i] ?? 0) + (entry.descriptor[i] as number);
      });
      this.vectors = new Float32Array(this.people * DESCRIPTOR_LENGTH);
      for (let person = 0; person < this.people; person++) {
        const offset = person * DESCRIPTOR_LENGTH;
        for (let i = 0; i < DESCRIPTOR_LENGTH; i++)
          this.vectors[offset + i] = (sums[offset + i] as number) / (counts[person] as number);
      }
      this.owners = Int32Array.from({ length: this.people }, (_, person) => person);
      const sizesOf: number[][] = Array.from({ length: this.people }, () => []);
      entries.forEach((entry, row) => {
        if (entry.faceSize != null) sizesOf[ownerOf[row]!]!.push(entry.faceSize);
      });
      this.sizes = Float64Array.from(sizesOf, median);
    }
  }

  /** The closest person (by this gallery's strategy), or undefined when empty. */
  nearest(descriptor: ArrayLike<number>): Neighbour | undefined {
    if (descriptor.length !== DESCRIPTOR_LENGTH) {
      throw new Error(`descriptor has ${descriptor.length} values, expected ${DESCRIPTOR_LENGTH}`);
    }
    const vectors = this.vectors;
    let bestRow = -1;
    let best = Infinity;
    for (let row = 0; row < this.rows; row++) {
      const offset = row * DESCRIPTOR_LENGTH;
      let sum = 0;
      for (let i = 0; i < DESCRIPTOR_LENGTH && sum < best; i++) {
        const difference = (descriptor[i] as number) - (vectors[offset + i] as number);
        sum += difference * difference;
      }
      if (sum < best) {
        best = sum;
        bestRow = row;
      }
    }
    if (bestRow < 0) return undefined;
    const person = this.persons[this.owners[bestRow] as number]!;
    const size = this.sizes[bestRow] as number;
    return {
      personId: person.personId,
      personName: person.personName,
      distance: Math.sqrt(best),
      ...(Number.isNaN(size) ? {} : { enrolledFaceSize: size }),
    };
  }

  /** Nearest person, and a match when the distance is strictly below `threshold`. */
  identify(descriptor: ArrayLike<number>, threshold: number): Identification {
    const nearest = this.nearest(descriptor);
    return {
      nearest,
      match: nearest && isMatch(nearest.distance, threshold) ? nearest : undefined,
    };
  }
}
