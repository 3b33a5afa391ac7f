import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { exifTime, photoMetadata } from './photo-metadata.js';

describe('what the CLI sends about a photo', () => {
  it('reads EXIF times with their offset, or in this machine zone without one', () => {
    expect(exifTime('2026:11:25 08:58:12', '+01:00')).toBe('2026-11-25T07:58:12.000Z');
    expect(exifTime('2026:11:25 08:58:12', undefined)).toBe(
      new Date(2026, 10, 25, 8, 58, 12).toISOString(),
    );
    expect(exifTime('not a time', undefined)).toBeUndefined();
    expect(exifTime(undefined, undefined)).toBeUndefined();
  });

  it('sends the file name, the EXIF capture time and the door of a door-N folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'facetrail-cli-meta-'));
    try {
      await mkdir(path.join(dir, 'door-3'));
      const withExif = await sharp({
        create: { width: 8, height: 8, channels: 3, background: '#888' },
      })
        .withExif({
          IFD2: { DateTimeOriginal: '2026:11:25 09:14:40', OffsetTimeOriginal: '+00:00' },
        })
        .jpeg()
        .toBuffer();
      const file = path.join(dir, 'door-3', 'visitor.jpg');
      await writeFile(file, withExif);
      await expect(photoMetadata(file, withExif)).resolves.toEqual({
        filename: 'visitor.jpg',
        capturedAt: '2026-11-25T09:14:40.000Z',
        door: 'door-3',
      });
      const plain = await sharp({
        create: { width: 8, height: 8, channels: 3, background: '#888' },
      })
        .png()
        .toBuffer();
      const other = path.join(dir, 'plain.png');
      await writeFile(other, plain);
      await expect(photoMetadata(other, plain)).resolves.toEqual({ filename: 'plain.png' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
