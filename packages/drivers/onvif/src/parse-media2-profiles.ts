import type { XmlObject } from '@argus/driver-kit';
import { mediaProfile, type OnvifProfile } from './parse-profiles.js';
import { elements, first, isXmlObject, responseElement } from './xml-values.js';

/**
 * The media profiles of a Media2 (ver20) `GetProfilesResponse`, in the device's order. A Media2 profile
 * (`tr2:MediaProfile`) carries its configurations in a `Configurations` set: `VideoSource`
 * (`tt:VideoSourceConfiguration`), `VideoEncoder` (`tt:VideoEncoder2Configuration`, whose `Encoding` is a MIME subtype:
 * `H264`, `H265`, `JPEG`, `MPV4-ES`), `PTZ` (`tt:PTZConfiguration`)... Only the types the request asked for are
 * present: a profile without `Configurations` (a request without `Type`) has codec `none` and size 0.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing or a profile has no token.
 * @example
 * ```ts
 * const body = await soap.call(media2Path, media2GetProfilesRequest(['All']));
 * const [main] = parseMedia2Profiles({ GetProfilesResponse: body }, endpoint);
 * main.codec; // 'h265'
 * ```
 */
export function parseMedia2Profiles(body: XmlObject, endpoint = 'onvif'): OnvifProfile[] {
  const response = responseElement(body, 'GetProfilesResponse', endpoint);
  return elements(response, 'Profiles').map((node) => {
    const set = first(node['Configurations']);
    const configurations = isXmlObject(set) ? set : {};
    return mediaProfile(node, { encoder: configurations['VideoEncoder'], source: configurations['VideoSource'], ptz: configurations['PTZ'] }, 'media2', endpoint);
  });
}
