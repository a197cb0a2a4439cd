/**
 * `@argus/driver-kit`: what device drivers code against: an HTTP client with Digest/Basic, XML helpers,
 * SOAP 1.2 with WS-Security for ONVIF-style services, multipart stream parsing, and the server side of HTTP
 * authentication for emulators.
 *
 * @packageDocumentation
 */
export { DeviceHttpClient, pathForMessages } from './http/device-http-client.js';
export type {
  DeviceAddress,
  DeviceHttpClientOptions,
  DeviceRequest,
  DeviceResponse,
  DeviceStreamResponse,
} from './http/device-http-client.js';
export { httpScheme } from './http/http-scheme.js';
export { HttpAuthServer } from './auth/http-auth-server.js';
export type { HttpAuthCheck, HttpAuthServerOptions } from './auth/http-auth-server.js';
export { HttpAuthenticator } from './auth/http-authenticator.js';
export type { AcceptOutcome, HttpAuthenticatorOptions } from './auth/http-authenticator.js';
export {
  basicAuthorization,
  computeDigestResponse,
  constantTimeEqual,
  digestAlgorithm,
  digestAuthorization,
  parseAuthChallenges,
  parseAuthorizationHeader,
} from './auth/http-digest.js';
export type { DigestAlgorithm, DigestInput, HttpAuthChallenge } from './auth/http-digest.js';
export { buildXml, parseXml, xmlArray, xmlEscape, xmlPath, xmlString } from './xml/parse-xml.js';
export type { BuildXmlOptions, ParseXmlOptions, XmlObject, XmlValue } from './xml/parse-xml.js';
export { MultipartParser } from './multipart/multipart-parser.js';
export type { MultipartParserOptions, MultipartParserStats, MultipartPart } from './multipart/multipart-parser.js';
export { multipartBoundary } from './multipart/multipart-boundary.js';
export { multipart$, multipartParts } from './multipart/multipart-parts.js';
export type { MultipartObservableOptions, MultipartPartsOptions } from './multipart/multipart-parts.js';
export { ClockOffset } from './soap/clock-offset.js';
export { parseSoapFault } from './soap/parse-soap-fault.js';
export type { SoapFault } from './soap/parse-soap-fault.js';
export { SoapClient } from './soap/soap-client.js';
export type { SoapCallOptions, SoapClientOptions, SoapNamedResult } from './soap/soap-client.js';
export { ONVIF_NAMESPACES, SOAP_ENVELOPE_NS, soapEnvelope } from './soap/soap-envelope.js';
export type { SoapEnvelopeOptions } from './soap/soap-envelope.js';
export { wsseCreated, wssePasswordDigest, wsseUsernameToken } from './soap/wsse-username-token.js';
export type { WsseUsernameTokenOptions } from './soap/wsse-username-token.js';
