import { isAppError } from './errors.js';
import {
  completeMetadata,
  doorFromPath,
  parseCapturedAt,
  parseFilename,
  parseMetadata,
} from './submission-metadata.js';

const NOW = new Date('2026-11-29T12:00:00Z');

const refused = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return isAppError(error) ? error.code : String(error);
  }
  return 'accepted';
};

describe('submission metadata', () => {
  it('takes the door from door-, camera- and cam- folders only', () => {
    expect(doorFromPath('door-1/2026-11-25T10-00-00.jpg')).toBe('door-1');
    expect(doorFromPath('camera_garage/x.jpg')).toBe('camera_garage');
    expect(doorFromPath('CAM-7/sub/x.jpg')).toBe('CAM-7');
    expect(doorFromPath('door-1.jpg')).toBeNull();
    expect(doorFromPath('uploads/2026-11-25/x.jpg')).toBeNull();
    expect(doorFromPath('doorway/x.jpg')).toBeNull();
  });

  it('reads capture times with a zone, in UTC; refuses zoneless, implausible and non-string ones', () => {
    expect(parseCapturedAt('2026-11-25T11:00:00+01:00', NOW)?.toISOString()).toBe(
      '2026-11-25T10:00:00.000Z',
    );
    expect(parseCapturedAt('2026-11-25T10:00Z', NOW)?.toISOString()).toBe(
      '2026-11-25T10:00:00.000Z',
    );
    expect(parseCapturedAt(undefined, NOW)).toBeNull();
    expect(parseCapturedAt('', NOW)).toBeNull();
    for (const value of [
      '2026-11-25T10:00:00',
      '2026-11-25',
      'yesterday',
      '1989-12-31T23:59:59Z',
      '2026-12-01T12:00:00Z',
      1764064800000,
      ['2026-11-25T10:00:00Z'],
    ])
      expect(refused(() => parseCapturedAt(value, NOW))).toBe('INVALID_REQUEST');
    // A clock a little ahead is fine.
    expect(parseCapturedAt('2026-11-29T18:00:00Z', NOW)).not.toBeNull();
  });

  it('keeps the last part of a file name and refuses control characters', () => {
    expect(parseFilename('C:\\Users\\cam\\IMG_1.JPG')).toBe('IMG_1.JPG');
    expect(parseFilename('/var/x/../photo.jpg')).toBe('photo.jpg');
    expect(parseFilename('Zoë at the door.jpg')).toBe('Zoë at the door.jpg');
    expect(refused(() => parseFilename('a\nb.jpg'))).toBe('INVALID_REQUEST');
    expect(refused(() => parseFilename('folder/'))).toBe('INVALID_REQUEST');
    expect(refused(() => parseFilename('x'.repeat(256)))).toBe('INVALID_REQUEST');
  });

  it('treats door and camera as one field, and fills the door from the path last', () => {
    expect(parseMetadata({ camera: 'cam-2' }, NOW).door).toBe('cam-2');
    expect(parseMetadata({ door: 'x', camera: 'x' }, NOW).door).toBe('x');
    expect(refused(() => parseMetadata({ door: 'x', camera: 'y' }, NOW))).toBe('INVALID_REQUEST');
    expect(refused(() => parseMetadata({ door: '<b>' }, NOW))).toBe('INVALID_REQUEST');
    expect(refused(() => parseMetadata({ door: 'x'.repeat(65) }, NOW))).toBe('INVALID_REQUEST');
    const none = parseMetadata({}, NOW);
    expect(completeMetadata(none, 'door-4/a.jpg')).toEqual({
      door: 'door-4',
      capturedAt: null,
      originalName: null,
    });
    expect(completeMetadata({ ...none, door: 'lobby' }, 'door-4/a.jpg').door).toBe('lobby');
  });
});
