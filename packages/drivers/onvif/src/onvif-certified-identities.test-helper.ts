import type { EmulatorIdentity } from '@argus/driver-kit/emulator';

/**
 * Emulator identities of the ONVIF-first brands the driver certifies (camera types 16-20): the manufacturer as the
 * brand's GetDeviceInformation writes it and a typical model. Shared by the conformance suite and the probe test
 * that checks each is identified as its own camera type.
 */
export const ONVIF_BRAND_IDENTITIES = {
  16: { manufacturer: 'Avigilon', model: '2.0C-H5A-BO1-IR' },
  17: { manufacturer: 'Pelco', model: 'Sarix IMP219-1ES' },
  18: { manufacturer: 'Honeywell', model: 'HC30WB5R1' },
  19: { manufacturer: 'Tiandy', model: 'TC-C32GN' },
  20: { manufacturer: 'Milesight Technology Co.,Ltd.', model: 'MS-C2963-PB' },
} as const satisfies Record<16 | 17 | 18 | 19 | 20, Partial<EmulatorIdentity>>;
