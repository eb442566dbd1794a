/**
 * Stand-in images for the demo and the tests, drawn in code so no binary file is needed: a red
 * seal (two rings and a star — the word DEMO is in the certificate, not drawn) and a blue
 * handwritten-looking stroke. Real deployments upload the agency's seal and the leader's
 * signature as PNGs with transparency; these have transparency too, so the overlap of seal and
 * signature looks as it will.
 */
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGBA PNG from a per-pixel function. */
function png(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const RED: Rgba = [200, 16, 46, 255];
const BLUE: Rgba = [20, 50, 170, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

/** A round red seal, `size` pixels wide. */
export function demoSealPng(size = 300): Buffer {
  const c = size / 2;
  const star = (x: number, y: number) => {
    // Five-point star of radius 0.3·size: inside if the polar radius is under the star's outline.
    const a = Math.atan2(y - c, x - c) + Math.PI / 2;
    const r = Math.hypot(x - c, y - c);
    const k = (((a % ((2 * Math.PI) / 5)) + (2 * Math.PI) / 5) % ((2 * Math.PI) / 5)) / ((2 * Math.PI) / 5);
    const outline = size * (0.12 + 0.18 * Math.abs(1 - 2 * k) ** 2);
    return r < outline;
  };
  return png(size, size, (x, y) => {
    const r = Math.hypot(x + 0.5 - c, y + 0.5 - c) / c;
    if ((r > 0.9 && r < 0.98) || (r > 0.7 && r < 0.74) || star(x, y)) return RED;
    return CLEAR;
  });
}

/** A blue signature-like stroke, `width` × `width/2.5` pixels. */
export function demoSignaturePng(width = 400): Buffer {
  const height = Math.round(width / 2.5);
  const pts: Array<[number, number]> = [];
  for (let t = 0; t <= 1; t += 0.002) {
    const x = width * (0.08 + 0.84 * t);
    const y = height * (0.5 + 0.28 * Math.sin(t * 14) * (1 - t * 0.6) - 0.1 * Math.sin(t * 3));
    pts.push([x, y]);
  }
  const thickness = Math.max(2, Math.round(width / 120));
  const ink = new Uint8Array(width * height);
  for (const [px, py] of pts) {
    for (let dy = -thickness; dy <= thickness; dy++) {
      for (let dx = -thickness; dx <= thickness; dx++) {
        const x = Math.round(px) + dx;
        const y = Math.round(py) + dy;
        if (x >= 0 && y >= 0 && x < width && y < height && dx * dx + dy * dy <= thickness * thickness) ink[y * width + x] = 1;
      }
    }
  }
  return png(width, height, (x, y) => (ink[y * width + x] ? BLUE : CLEAR));
}
