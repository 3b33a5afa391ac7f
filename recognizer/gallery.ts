/** Length of a face-api (dlib ResNet) descriptor. */
export const DESCRIPTOR_LENGTH = 128;

export interface GalleryEntry {
  personId: number;
  personName: string;
  descriptor: ArrayLike<number>;
}

export interface Neighbour {
  personId: number;
  personName: string;
  /** Euclidean distance between the descriptors. */
  distance: number;
}

export interface Identification {
  /** The closest known person; undefined only when the gallery is empty. */
  nearest: Neighbour | undefined;
  /** `nearest` when its distance is strictly below the threshold. */
  match: Neighbour | undefined;
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
 * is a tight loop over contiguous memory. A person with several photos simply has several
 * rows; the nearest row overall therefore gives the minimum distance over their photos.
 */
export class Gallery {
  static readonly empty = new Gallery([]);

  readonly size: number;
  readonly people: number;
  private readonly vectors: Float32Array;
  private readonly owners: Int32Array;
  private readonly persons: Array<{ personId: number; personName: string }> = [];

  constructor(entries: readonly GalleryEntry[]) {
    for (const entry of entries) {
      if (entry.descriptor.length !== DESCRIPTOR_LENGTH) {
        throw new Error(
          `descriptor of person ${entry.personId} has ${entry.descriptor.length} values, expected ${DESCRIPTOR_LENGTH}`,
        );
      }
    }
    this.size = entries.length;
    this.vectors = new Float32Array(entries.length * DESCRIPTOR_LENGTH);
    this.owners = new Int32Array(entries.length);
    const personIndex = new Map<number, number>();
    entries.forEach((entry, row) => {
      let index = personIndex.get(entry.personId);
      if (index === undefined) {
        index = this.persons.length;
        personIndex.set(entry.personId, index);
        this.persons.push({ personId: entry.personId, personName: entry.personName });
      }
      this.owners[row] = index;
      this.vectors.set(entry.descriptor, row * DESCRIPTOR_LENGTH);
    });
    this.people = this.persons.length;
  }

  /** The closest person (minimum over each person's photos), or undefined when empty. */
  nearest(descriptor: ArrayLike<number>): Neighbour | undefined {
    if (descriptor.length !== DESCRIPTOR_LENGTH) {
      throw new Error(`descriptor has ${descriptor.length} values, expected ${DESCRIPTOR_LENGTH}`);
    }
    const vectors = this.vectors;
    let bestRow = -1;
    let best = Infinity;
    for (let row = 0; row < this.size; row++) {
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
    return { personId: person.personId, personName: person.personName, distance: Math.sqrt(best) };
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
