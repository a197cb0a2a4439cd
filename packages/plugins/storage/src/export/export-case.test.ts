import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, hasErrorCode, ManualClock, type ArgusEventMap } from '@argus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import type { StorageTier } from '../writer/storage-tier.js';
import { decodeFrames, h264Sample, packetsOf, probeVideo, recordSegments, T0, type RecordedSegment } from '../playback/recording-fixture.test-helper.js';
import { cameraFileName } from '../writer/segment-file-path.js';
import { exportCase } from './export-case.js';
import { canonicalJson, MANIFEST_FILE, type ExportManifest } from './export-manifest.js';
import { ExportSigner } from './export-signer.js';
import { verifyExport } from './verify-export.js';

const S = 1000;
const EIGHT = T0 + 8 * 3600 * S;
const EXPORTED_AT = Date.parse('2026-11-22T10:00:00Z');

let dir: string;
let catalogue: Catalogue;
let tier: StorageTier;
let signer: ExportSigner;
let gate3: RecordedSegment[];
let caseDir: string;
let manifest: ExportManifest;
const progress: ArgusEventMap['exportProgressed'][] = [];
const completed: ArgusEventMap['exportCompleted'][] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-export-'));
  tier = { name: 'fast', root: join(dir, 'fast') };
  catalogue = await Catalogue.open(join(dir, 'catalogue'));
  signer = await ExportSigner.loadOrCreate(join(dir, 'keys'));
  const ten = packetsOf(await h264Sample({ seconds: 10, fps: 25, gop: 25 }), 25).packets;
  const wide = packetsOf(await h264Sample({ seconds: 4, fps: 25, gop: 25, width: 640, height: 360 }), 25).packets;
  await recordSegments({ catalogue, tier, camera: 'gate-1', start: EIGHT, packets: ten, segmentFrames: 100 });
  await recordSegments({ catalogue, tier, camera: 'north/gate 2', start: EIGHT, packets: ten });
  await recordSegments({ catalogue, tier, camera: 'north/gate 2', start: EIGHT + 10 * S, packets: wide });
  gate3 = await recordSegments({ catalogue, tier, camera: 'gate-3', start: EIGHT, packets: ten, segmentFrames: 100 });

  const bus = new EventBus();
  bus.on$('exportProgressed').subscribe((e) => progress.push(e.payload));
  bus.on$('exportCompleted').subscribe((e) => completed.push(e.payload));
  caseDir = join(dir, 'cases', 'case-114');
  const result = await exportCase({
    catalogue,
    tiers: [tier],
    cameras: ['gate-1', 'north/gate 2', 'empty-cam'],
    from: EIGHT + 2.5 * S,
    to: EIGHT + 12 * S,
    exportedBy: 'officer-12',
    outDir: caseDir,
    signer,
    exportId: 'case-114',
    bus,
    clock: new ManualClock(EXPORTED_AT),
  });
  manifest = result.manifest;
});

afterAll(async () => {
  await catalogue?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the case directory to tamper with. */
function copyOfCase(name: string): string {
  const copy = join(dir, 'tampered', name);
  cpSync(caseDir, copy, { recursive: true });
  return copy;
}

describe('exportCase', () => {
  it('writes one MP4 per camera (and a part per init change) that ffprobe reads and ffmpeg decodes, frame for frame', async () => {
    expect(readdirSync(caseDir).sort()).toEqual(['gate-1.mp4', 'manifest.json', 'north%2Fgate%202-part2.mp4', 'north%2Fgate%202.mp4']);
    // From the keyframe at 08:00:02 through the GOP covering 08:00:12: gate-1 has 8 GOPs (it ends at 08:00:10);
    // north/gate 2 has 8 GOPs at 320x240, then 2 at 640x360 in its second part.
    const expected = { 'gate-1.mp4': [200, 320], 'north%2Fgate%202.mp4': [200, 320], 'north%2Fgate%202-part2.mp4': [50, 640] } as const;
    for (const [name, [frames, width]] of Object.entries(expected)) {
      const file = join(caseDir, name);
      expect(await probeVideo(file)).toMatchObject({ codec: 'h264', frames, width });
      expect(await decodeFrames(file)).toBe(frames);
    }
  });

  it('writes a signed manifest with the cameras, the range, who and when, and every file hash', () => {
    expect(manifest).toMatchObject({
      version: 1,
      exportId: 'case-114',
      cameras: [
        { camera: 'gate-1', files: ['gate-1.mp4'] },
        { camera: 'north/gate 2', files: ['north%2Fgate%202.mp4', 'north%2Fgate%202-part2.mp4'] },
        { camera: 'empty-cam', files: [] },
      ],
      from: { iso: '2026-11-21T08:00:02.500Z', ms: EIGHT + 2.5 * S },
      to: { iso: '2026-11-21T08:00:12.000Z', ms: EIGHT + 12 * S },
      exportedBy: 'officer-12',
      exportedAt: { iso: '2026-11-22T10:00:00.000Z', ms: EXPORTED_AT },
      signature: { algorithm: 'Ed25519', keyId: signer.keyId, publicKey: signer.publicKeyPem },
    });
    expect(manifest.files.map((f) => [f.name, f.camera, f.start, f.end])).toEqual([
      ['gate-1.mp4', 'gate-1', EIGHT + 2 * S, EIGHT + 10 * S],
      ['north%2Fgate%202.mp4', 'north/gate 2', EIGHT + 2 * S, EIGHT + 10 * S],
      ['north%2Fgate%202-part2.mp4', 'north/gate 2', EIGHT + 10 * S, EIGHT + 12 * S],
    ]);
    const onDisk = JSON.parse(readFileSync(join(caseDir, MANIFEST_FILE), 'utf8')) as ExportManifest;
    expect(canonicalJson(onDisk)).toBe(canonicalJson(manifest));
    for (const file of manifest.files) expect(readFileSync(join(caseDir, file.name)).byteLength).toBe(file.bytes);
  });

  it('emits progress per camera up to its total, then exportCompleted', () => {
    for (const camera of ['gate-1', 'north/gate 2']) {
      const mine = progress.filter((p) => p.camera === camera);
      expect(mine[0]?.bytesDone).toBe(0);
      const last = mine.at(-1);
      expect(last?.bytesDone).toBe(last?.bytesTotal);
      expect(last?.bytesDone).toBe(manifest.files.filter((f) => f.camera === camera).reduce((n, f) => n + f.bytes, 0));
      for (let i = 1; i < mine.length; i++) expect(mine[i]?.bytesDone).toBeGreaterThanOrEqual(mine[i - 1]?.bytesDone ?? 0);
    }
    expect(progress.filter((p) => p.camera === 'empty-cam')).toEqual([{ exportId: 'case-114', camera: 'empty-cam', bytesDone: 0, bytesTotal: 0 }]);
    expect(completed).toEqual([{ exportId: 'case-114', dir: caseDir, files: 3, bytes: manifest.files.reduce((n, f) => n + f.bytes, 0), by: 'officer-12' }]);
  });

  it('fails with EXPORT_FAILED on a damaged segment, removes what it wrote and emits exportFailed', async () => {
    const [, second] = gate3;
    if (second === undefined) throw new Error('fixture');
    rmSync(join(tier.root, second.record.file));
    const bus = new EventBus();
    const failed: ArgusEventMap['exportFailed'][] = [];
    bus.on$('exportFailed').subscribe((e) => failed.push(e.payload));
    const parent = join(dir, 'failed');
    const outDir = join(parent, 'case-9');
    await expect(
      exportCase({ catalogue, tiers: [tier], cameras: ['gate-1', 'gate-3'], from: EIGHT, to: EIGHT + 10 * S, exportedBy: 'x', outDir, signer, exportId: 'case-9', bus }),
    ).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_EXPORT_FAILED') && hasErrorCode((err as { cause?: unknown }).cause, 'ARGUS_ERR_STORAGE_SEGMENT_DAMAGED'));
    expect(existsSync(outDir)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ exportId: 'case-9' });
  });

  it('refuses a non-empty outDir without touching it, and a bad range before writing anything', async () => {
    const outDir = join(dir, 'busy');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'keep.txt'), 'mine');
    const base = { catalogue, tiers: [tier], cameras: ['gate-1'], exportedBy: 'x', signer };
    await expect(exportCase({ ...base, from: EIGHT, to: EIGHT + S, outDir })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_EXPORT_FAILED'));
    expect(readdirSync(outDir)).toEqual(['keep.txt']);
    const fresh = join(dir, 'fresh');
    await expect(exportCase({ ...base, from: EIGHT, to: EIGHT, outDir: fresh })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_RANGE_INVALID'));
    await expect(exportCase({ ...base, from: EIGHT, to: EIGHT + 25 * 3600 * S, outDir: fresh })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_RANGE_INVALID'));
    expect(existsSync(fresh)).toBe(false);
  });

  it('exports into an existing empty directory', async () => {
    const outDir = join(dir, 'empty-out');
    mkdirSync(outDir);
    await exportCase({ catalogue, tiers: [tier], cameras: ['gate-1'], from: EIGHT, to: EIGHT + S, exportedBy: 'x', outDir, signer });
    expect(readdirSync(outDir).sort()).toEqual(['gate-1.mp4', 'manifest.json']);
    expect((await verifyExport(outDir)).ok).toBe(true);
  });
});

describe('cameraFileName', () => {
  it('escapes what a file name cannot hold, so names stay distinct and inside the directory', () => {
    expect(cameraFileName('gate-1')).toBe('gate-1');
    expect(cameraFileName('north/gate 2')).toBe('north%2Fgate%202');
    expect(cameraFileName('..')).toBe('%2E.');
    expect(cameraFileName('a%2Fb')).toBe('a%252Fb');
    expect(cameraFileName('cổng')).toBe('c%E1%BB%95ng');
  });
});

describe('verifyExport', () => {
  it('passes an untouched export, with and without the expected key', async () => {
    expect(await verifyExport(caseDir)).toEqual({ ok: true, exportId: 'case-114', problems: [], files: 3 });
    expect((await verifyExport(caseDir, { publicKey: signer.publicKeyPem })).ok).toBe(true);
    const base64 = signer.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect((await verifyExport(caseDir, { publicKey: base64 })).ok).toBe(true);
    expect((await verifyExport(caseDir, { publicKey: signer.publicKey })).ok).toBe(true);
  });

  it('reports one flipped byte in the middle of an MP4', async () => {
    const copy = copyOfCase('flipped');
    const path = join(copy, 'gate-1.mp4');
    const bytes = readFileSync(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
    writeFileSync(path, bytes);
    const result = await verifyExport(copy);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ file: 'gate-1.mp4', problem: 'changed', detail: expect.stringContaining('SHA-256') }]);
  });

  it('reports a missing file, an extra file and a truncated file', async () => {
    const copy = copyOfCase('files');
    rmSync(join(copy, 'north%2Fgate%202-part2.mp4'));
    writeFileSync(join(copy, 'notes.txt'), 'added later');
    const path = join(copy, 'north%2Fgate%202.mp4');
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    const result = await verifyExport(copy);
    expect(result.problems.map((p) => [p.file, p.problem])).toEqual([
      ['north%2Fgate%202.mp4', 'changed'],
      ['north%2Fgate%202-part2.mp4', 'missing'],
      ['notes.txt', 'unlisted'],
    ]);
  });

  it('reports an edited manifest field as a bad signature, and another signer as the wrong key', async () => {
    const copy = copyOfCase('edited');
    const path = join(copy, MANIFEST_FILE);
    const edited = JSON.parse(readFileSync(path, 'utf8')) as { exportedBy: string };
    edited.exportedBy = 'officer-13';
    writeFileSync(path, JSON.stringify(edited, null, 4));
    const result = await verifyExport(copy);
    expect(result.problems.map((p) => p.problem)).toEqual(['bad-signature']);
    // Re-indenting alone changes no signed byte.
    const reindented = copyOfCase('reindented');
    writeFileSync(join(reindented, MANIFEST_FILE), JSON.stringify(JSON.parse(readFileSync(join(caseDir, MANIFEST_FILE), 'utf8'))));
    expect((await verifyExport(reindented)).ok).toBe(true);
    const other = await ExportSigner.loadOrCreate(join(dir, 'other-keys'));
    const wrong = await verifyExport(caseDir, { publicKey: other.publicKeyPem });
    expect(wrong.problems.map((p) => p.problem)).toEqual(['wrong-key']);
  });

  it('reports a manifest that is not JSON or names a file outside the directory, and throws only without a manifest', async () => {
    const garbled = copyOfCase('garbled');
    writeFileSync(join(garbled, MANIFEST_FILE), '{ "version": 1, ');
    const bad = await verifyExport(garbled);
    expect(bad).toMatchObject({ ok: false, files: 0 });
    expect(bad.problems[0]?.problem).toBe('bad-manifest');

    const escaping = copyOfCase('escaping');
    const path = join(escaping, MANIFEST_FILE);
    const edited = JSON.parse(readFileSync(path, 'utf8')) as { files: { name: string }[] };
    (edited.files[0] as { name: string }).name = '../../fast/gate-1.mp4';
    writeFileSync(path, JSON.stringify(edited));
    const kinds = (await verifyExport(escaping)).problems.map((p) => p.problem);
    expect(kinds).toContain('bad-manifest');
    expect(kinds).toContain('bad-signature');

    const none = join(dir, 'no-manifest');
    mkdirSync(none);
    await expect(verifyExport(none)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_EXPORT_INVALID'));
    await expect(verifyExport(join(dir, 'nowhere'))).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_EXPORT_INVALID'));
  });
});
