import { DESCRIPTOR_LENGTH, Gallery, isMatch } from './gallery.js';

/** A descriptor that is zero except for `value` at `axis`: distances are easy to reason about. */
function unit(axis: number, value = 1): Float32Array {
  const descriptor = new Float32Array(DESCRIPTOR_LENGTH);
  descriptor[axis] = value;
  return descriptor;
}

describe('isMatch', () => {
  it('is strict: a distance equal to the threshold is not a match', () => {
    expect(isMatch(0.59, 0.6)).toBe(true);
    expect(isMatch(0.6, 0.6)).toBe(false);
    expect(isMatch(0.61, 0.6)).toBe(false);
    expect(isMatch(0, 0)).toBe(false);
  });
});

describe('Gallery', () => {
  const ada = { personId: 1, personName: 'Ada' };
  const bob = { personId: 2, personName: 'Bob' };

  it('has no nearest person when empty', () => {
    expect(Gallery.empty.nearest(unit(0))).toBeUndefined();
    expect(Gallery.empty.identify(unit(0), 0.6)).toEqual({ nearest: undefined, match: undefined });
    expect(Gallery.empty).toMatchObject({ size: 0, people: 0 });
  });

  it('finds the nearest descriptor by euclidean distance', () => {
    const gallery = new Gallery([
      { ...ada, descriptor: unit(0) },
      { ...bob, descriptor: unit(1) },
    ]);
    const probe = unit(0, 0.7); // 0.3 from Ada, sqrt(0.49 + 1) from Bob
    const nearest = gallery.nearest(probe)!;
    expect(nearest).toMatchObject(ada);
    expect(nearest.distance).toBeCloseTo(0.3, 6);
    const other = gallery.nearest(unit(1, 1.5))!;
    expect(other).toMatchObject(bob);
    expect(other.distance).toBeCloseTo(0.5, 6);
  });

  it('keeps the enrolled face size: the row’s with `nearest`, the median of the person’s with `mean`', () => {
    const entries = [
      { ...ada, descriptor: unit(0), faceSize: 60 },
      { ...ada, descriptor: unit(0, 0.9), faceSize: 300 },
      { ...ada, descriptor: unit(0, 0.8), faceSize: 200 },
      { ...ada, descriptor: unit(0, 0.7), faceSize: null },
      { ...bob, descriptor: unit(1) },
    ];
    expect(new Gallery(entries, 'mean').nearest(unit(0))).toMatchObject({ enrolledFaceSize: 200 });
    expect(new Gallery(entries, 'nearest').nearest(unit(0))).toMatchObject({
      enrolledFaceSize: 60,
    });
    // Not recorded (enrolled before migration 005): absent, and the match rule counts it small.
    expect(new Gallery(entries, 'mean').nearest(unit(1))!.enrolledFaceSize).toBeUndefined();
  });

  it('nearest: uses the minimum distance over the photos of a person with several', () => {
    const gallery = new Gallery(
      [
        { ...ada, descriptor: unit(0, 5) },
        { ...bob, descriptor: unit(0, 1.4) },
        { ...ada, descriptor: unit(0, 1.1) },
        { ...ada, descriptor: unit(3) },
      ],
      'nearest',
    );
    expect(gallery).toMatchObject({ size: 4, people: 2, strategy: 'nearest' });
    const nearest = gallery.nearest(unit(0, 1))!;
    expect(nearest).toMatchObject(ada);
    expect(nearest.distance).toBeCloseTo(0.1, 6);
  });

  it("mean (the default): uses the distance to the mean of a person's descriptors", () => {
    const gallery = new Gallery([
      { ...ada, descriptor: unit(0, 0.8) },
      { ...bob, descriptor: unit(0, 1.3) },
      { ...ada, descriptor: unit(0, 1.6) },
    ]);
    expect(gallery).toMatchObject({ size: 3, people: 2, strategy: 'mean' });
    // Ada's mean is 1.2 on axis 0: 0.1 from the probe; Bob's only photo is 0.2 away.
    const nearest = gallery.nearest(unit(0, 1.1))!;
    expect(nearest).toMatchObject(ada);
    expect(nearest.distance).toBeCloseTo(0.1, 6);
    // Ada's closest photo (0.8) would be nearer to 0.9 than Bob, but her mean is not.
    expect(gallery.nearest(unit(0, 1.35))).toMatchObject(bob);
    expect(
      new Gallery(
        [...[0.8, 1.3, 1.6].map((v) => ({ ...ada, descriptor: unit(0, v) }))],
        'nearest',
      ).nearest(unit(0, 0.85))!.distance,
    ).toBeCloseTo(0.05, 6);
  });

  it('matches only under the threshold but always reports the nearest person', () => {
    const gallery = new Gallery([{ ...ada, descriptor: unit(0) }]);
    const close = gallery.identify(unit(0, 0.5), 0.6);
    expect(close.match).toMatchObject({ ...ada });
    expect(close.match!.distance).toBeCloseTo(0.5, 6);
    const far = gallery.identify(unit(0, 0.3), 0.6);
    expect(far.match).toBeUndefined();
    expect(far.nearest).toMatchObject(ada);
    expect(far.nearest!.distance).toBeCloseTo(0.7, 6);
  });

  it('treats exactly the threshold as no match', () => {
    // 0.5 is exact in binary floating point, so the distance is exactly the threshold.
    const gallery = new Gallery([{ ...ada, descriptor: unit(0) }]);
    const result = gallery.identify(unit(0, 0.5), 0.5);
    expect(result.nearest!.distance).toBe(0.5);
    expect(result.match).toBeUndefined();
  });

  it.each(['nearest', 'mean'] as const)(
    'agrees with a brute-force search on random descriptors (%s)',
    (strategy) => {
      let seed = 42;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31 - 0.5;
      };
      const entries = Array.from({ length: 200 }, (_, i) => ({
        personId: i % 37,
        personName: `p${i % 37}`,
        descriptor: Float32Array.from({ length: DESCRIPTOR_LENGTH }, random),
      }));
      const gallery = new Gallery(entries, strategy);
      // What each person is compared by: every photo, or the mean of their photos.
      const rows =
        strategy === 'nearest'
          ? entries
          : Array.from({ length: 37 }, (_, personId) => {
              const own = entries.filter((entry) => entry.personId === personId);
              return {
                personId,
                descriptor: Float32Array.from(
                  { length: DESCRIPTOR_LENGTH },
                  (_, i) => own.reduce((sum, entry) => sum + entry.descriptor[i]!, 0) / own.length,
                ),
              };
            });
      for (let probeIndex = 0; probeIndex < 20; probeIndex++) {
        const probe = Float32Array.from({ length: DESCRIPTOR_LENGTH }, random);
        let best = { personId: -1, distance: Infinity };
        for (const entry of rows) {
          const distance = Math.hypot(
            ...Array.from(entry.descriptor, (value, i) => value - probe[i]!),
          );
          if (distance < best.distance) best = { personId: entry.personId, distance };
        }
        const nearest = gallery.nearest(probe)!;
        expect(nearest.personId).toBe(best.personId);
        expect(nearest.distance).toBeCloseTo(best.distance, 5);
      }
    },
  );

  it('refuses descriptors of the wrong length', () => {
    expect(() => new Gallery([{ ...ada, descriptor: new Float32Array(64) }])).toThrow(/64 values/);
    expect(() =>
      new Gallery([{ ...ada, descriptor: unit(0) }]).nearest(new Float32Array(3)),
    ).toThrow(/3 values/);
  });
});
