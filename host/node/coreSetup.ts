// A core instance made ready for one connection before any socket opens:
// limits set, pins and the client identity loaded, an exported session
// offered. Every refusal here is CONFIG, so nothing is sent on bad settings.
import { type Core, takeCore, giveBackCore } from './core.js';
import { limitSpecs, PeerLimit, Mem, coreProfiles } from './generated/spec.js';
import { coreError, hostError } from './errors.js';
import { pinHashes, clientIdentity } from './credentials.js';
import { suiteMask } from './suites.js';
import type { ConnectionOptions } from './connection.js';

type Identity = { certs: Uint8Array[]; key: Uint8Array };

/** Gives the core an exported session to offer at mh_open. */
export function offerSession(core: Core, session: Uint8Array): void {
  if (session.length > core.x.mh_xfer_cap()) throw hostError('CONFIG', 'session: not a session exported by microhttps (too long)');
  const code = core.x.mh_session_import(core.putXfer(session));
  if (code !== 0) throw coreError(code, 0, `session: not a session exported by this version of microhttps (${session.length} bytes)`);
}

/** An instance from the pool, set up for options; given back when a setting is refused. */
export function setUpCore(options: ConnectionOptions): Core {
  const core = takeCore(options.core, options.clock);
  try {
    configure(core, options);
  } catch (err) {
    giveBackCore(core);
    throw err;
  }
  return core;
}

function configure(core: Core, options: ConnectionOptions): void {
  const x = core.x;
  const limits = { ...options.limits, ...(options.maxFragment === undefined ? {} : { maxFragmentBytes: options.maxFragment }) };
  for (const [name, value] of Object.entries(limits)) {
    const spec = limitSpecs.find((l) => l.name === name);
    if (!spec) throw hostError('CONFIG', `unknown limit ${name}; known: ${limitSpecs.map((l) => l.name).join(', ')}`);
    if (value === undefined) continue;
    if (x.mh_limit_set(spec.id, value) !== 0) {
      throw hostError('CONFIG', `limit ${name}=${value} is outside ${spec.min}..${spec.max}`);
    }
  }
  const identity = options.tls && (options.cert !== undefined || options.key !== undefined) ? clientIdentityOf(options) : undefined;
  if (identity && !coreProfiles[core.profile].clientCertificates) {
    throw hostError('CONFIG', `the '${core.profile}' core is built without client certificates (mutual TLS); use core: 'full' or 'portable'`);
  }
  if (identity && options.limits?.clientCertBytes === undefined) {
    x.mh_limit_set(limitSpecs.find((l) => l.name === 'clientCertBytes')!.id, identity.certs.reduce((n, c) => n + c.length, 0));
  }
  const code = x.mh_init();
  if (code !== 0) throw coreError(code, 0, `mh_init: the limits do not fit in the ${x.mh_mem(Mem.ARENA_SIZE)}-byte arena of the '${core.profile}' core${limits.maxFragmentBytes ? ', or maxFragment is not 512, 1024, 2048 or 4096' : ''}`);
  if (options.tls) {
    if (options.suites !== undefined) offerSuites(core, options.suites);
    if (options.pin !== undefined) loadPins(core, options.pin);
    if (identity) loadClientIdentity(core, identity);
  }
}

function offerSuites(core: Core, suites: readonly string[]): void {
  const code = core.x.mh_tls_suites(suiteMask(suites, core.profile));
  if (code !== 0) throw coreError(code, 0, `suites ${suites.join(', ')}: none is in the '${core.profile}' core`);
}

function clientIdentityOf(options: ConnectionOptions): Identity {
  if (options.cert === undefined || options.key === undefined) throw hostError('CONFIG', 'cert and key must be given together');
  return clientIdentity(options.cert, options.key);
}

function loadPins(core: Core, pin: string | readonly string[]): void {
  for (const hash of pinHashes(pin)) {
    core.putXfer(hash);
    if (core.x.mh_pin_add() !== 0) throw hostError('CONFIG', `more than ${PeerLimit.MAX_PINS} pins`);
  }
}

function loadClientIdentity(core: Core, identity: Identity): void {
  const x = core.x;
  for (const [i, der] of identity.certs.entries()) {
    if (der.length > x.mh_xfer_cap() || x.mh_client_cert_add(core.putXfer(der)) !== 0) {
      throw hostError('CONFIG', `client certificate #${i} does not fit (at most ${PeerLimit.MAX_CLIENT_CERTS} certificates within the clientCertBytes limit)`);
    }
  }
  if (identity.key.length > x.mh_xfer_cap() || x.mh_client_key_set(core.putXfer(identity.key)) !== 0) {
    throw hostError('CONFIG', `key is not an RSA key of 2048 bits or more, nor an EC key on P-256 or P-384 (BearSSL decoder error ${x.mh_call_detail()})`);
  }
}
