import sharp from 'sharp';
import { decodeImage, inferenceGeometry } from './decode.js';

const limits = { maxPixels: 1_000_000, maxSide: 512 };
const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({
    create: {
      width,
      height,
      channels,
      background: { r: 200, g: 100, b: 50, alpha: channels === 4 ? 0.5 : 1 },
    },
  });

describe('decodeImage', () => {
  it('decodes JPEG to 8-bit RGB of the right size', async () => {
    const image = await decodeImage(await solid(40, 30).jpeg().toBuffer(), limits);
    expect(image).toMatchObject({
      format: 'jpeg',
      width: 40,
      height: 30,
      originalWidth: 40,
      originalHeight: 30,
    });
    expect(image.data.byteLength).toBe(40 * 30 * 3);
  });

  it.each([
    ['greyscale JPEG', () => solid(20, 10).greyscale().jpeg().toBuffer()],
    ['greyscale PNG', () => solid(20, 10).toColourspace('b-w').png().toBuffer()],
    ['RGBA PNG', () => solid(20, 10, 4).png().toBuffer()],
    ['16-bit PNG', () => solid(20, 10).toColourspace('rgb16').png().toBuffer()],
    ['WebP with alpha', () => solid(20, 10, 4).webp().toBuffer()],
    ['CMYK JPEG', () => solid(20, 10).toColourspace('cmyk').jpeg().toBuffer()],
  ])('turns a %s into 3 channels of 8 bits', async (_name, encode) => {
    const image = await decodeImage(await encode(), limits);
    expect(image.data.byteLength).toBe(20 * 10 * 3);
  });

  it('flattens transparency onto white', async () => {
    const transparent = await sharp({
      create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const image = await decodeImage(transparent, limits);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([255, 255, 255]);
  });

  it('applies the EXIF orientation', async () => {
    // Stored 40×20 with "rotate 90° clockwise" (orientation 6): upright it is 20×40.
    const rotated = await solid(40, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(rotated, limits);
    expect(image).toMatchObject({ width: 20, height: 40, originalWidth: 20, originalHeight: 40 });
  });

  it('scales the longest side down to maxSide, never up', async () => {
    const big = await decodeImage(await solid(1000, 500).png().toBuffer(), limits);
    expect(big).toMatchObject({
      width: 512,
      height: 256,
      originalWidth: 1000,
      originalHeight: 500,
    });
    const small = await decodeImage(await solid(100, 50).png().toBuffer(), limits);
    expect(small).toMatchObject({ width: 100, height: 50 });
  });

  it('enlarges a photo smaller than smallPhotoSide to it and centres it in a black border', async () => {
    const options = { ...limits, smallPhotoSide: 300, smallPhotoPadding: 0.5 };
    const image = await decodeImage(await solid(150, 100).png().toBuffer(), options);
    // 150×100 → 300×200, then 150 px of black on every side.
    expect(image).toMatchObject({
      width: 600,
      height: 500,
      originalWidth: 150,
      originalHeight: 100,
      content: { x: 150, y: 150, width: 300, height: 200 },
      enlarged: true,
    });
    const pixel = (x: number, y: number) =>
      Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));
    expect(pixel(0, 0)).toEqual([0, 0, 0]);
    expect(pixel(300, 250)).toEqual([200, 100, 50]);
    // Photos at or above the size, and every photo when the padding is 0, are left alone.
    const big = await decodeImage(await solid(300, 100).png().toBuffer(), options);
    expect(big).toMatchObject({
      width: 300,
      height: 100,
      content: { x: 0, y: 0, width: 300, height: 100 },
      enlarged: false,
    });
    const unpadded = await decodeImage(await solid(150, 100).png().toBuffer(), {
      ...options,
      smallPhotoPadding: 0,
    });
    expect(unpadded).toMatchObject({ width: 300, height: 200, content: { x: 0, y: 0 } });
  });

  it('computes the inference geometry: scale down, enlarge small photos, border', () => {
    const options = { maxSide: 1024, smallPhotoSide: 300, smallPhotoPadding: 0.5 };
    expect(inferenceGeometry(4000, 3000, options)).toEqual({
      side: 1024,
      border: 0,
      enlarge: false,
    });
    expect(inferenceGeometry(640, 480, options)).toEqual({ side: 640, border: 0, enlarge: false });
    expect(inferenceGeometry(150, 150, options)).toEqual({ side: 300, border: 150, enlarge: true });
    expect(inferenceGeometry(150, 150, { ...options, smallPhotoSide: 0 })).toEqual({
      side: 150,
      border: 0,
      enlarge: false,
    });
  });

  it('refuses more pixels than allowed (decompression bombs) as IMAGE_TOO_LARGE', async () => {
    const bomb = await solid(1100, 1000).png().toBuffer();
    await expect(decodeImage(bomb, limits)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it('refuses garbage, empty and truncated input as CORRUPT_IMAGE', async () => {
    await expect(decodeImage(Buffer.from('definitely not an image'), limits)).rejects.toMatchObject(
      { code: 'CORRUPT_IMAGE' },
    );
    await expect(decodeImage(new Uint8Array(0), limits)).rejects.toMatchObject({
      code: 'CORRUPT_IMAGE',
    });
    const jpeg = await solid(64, 64).jpeg().toBuffer();
    await expect(decodeImage(jpeg.subarray(0, jpeg.length / 2), limits)).rejects.toMatchObject({
      code: 'CORRUPT_IMAGE',
    });
    const magicThenGarbage = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.alloc(2048, 7),
    ]);
    await expect(decodeImage(magicThenGarbage, limits)).rejects.toMatchObject({
      code: 'CORRUPT_IMAGE',
    });
  });

  it('refuses other formats (GIF, TIFF, SVG) as NOT_AN_IMAGE', async () => {
    await expect(decodeImage(await solid(8, 8).gif().toBuffer(), limits)).rejects.toMatchObject({
      code: 'NOT_AN_IMAGE',
    });
    await expect(decodeImage(await solid(8, 8).tiff().toBuffer(), limits)).rejects.toMatchObject({
      code: 'NOT_AN_IMAGE',
    });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await expect(decodeImage(svg, limits)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
  });
});
