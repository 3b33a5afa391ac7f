import { nonMaxSuppression } from './fast-ssd.js';

describe('nonMaxSuppression (face-api SSD semantics)', () => {
  // Boxes as [top, left, bottom, right], relative.
  const boxes = [
    [0, 0, 0.5, 0.5],
    [0.02, 0.02, 0.52, 0.52], // overlaps box 0 by IoU ≈ 0.85
    [0.5, 0.5, 1, 1],
    [0.25, 0.25, 0.75, 0.75], // overlaps box 0 by IoU ≈ 0.14
    [0, 0, 0, 0.5], // empty: never overlaps
  ];

  it('keeps boxes by falling score, dropping those that overlap a kept one by more than the threshold', () => {
    expect(nonMaxSuppression(boxes, [0.9, 0.95, 0.6, 0.7, 0.8], 100, 0.5, 0.5)).toEqual([
      1, 4, 3, 2,
    ]);
  });

  it('ignores scores at or below the score threshold and stops at maxResults', () => {
    expect(nonMaxSuppression(boxes, [0.9, 0.95, 0.6, 0.7, 0.5], 100, 0.5, 0.5)).toEqual([1, 3, 2]);
    expect(nonMaxSuppression(boxes, [0.9, 0.95, 0.6, 0.7, 0.8], 2, 0.5, 0.5)).toEqual([1, 4]);
  });

  it('keeps an overlapping box when the overlap is at most the threshold', () => {
    expect(nonMaxSuppression(boxes, [0.9, 0.95, 0.6, 0.7, 0.8], 100, 0.9, 0.5)).toEqual([
      1, 0, 4, 3, 2,
    ]);
  });
});
