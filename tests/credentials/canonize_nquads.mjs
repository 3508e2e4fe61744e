// RDFC-1.0 canonical N-Quads by Digital Bazaar's rdf-canonize (the canonicalizer of the independent
// verifier), for the tests that compare implementations.
//
// stdin: {NAME: N-Quads text, ...}; stdout: {NAME: canonical N-Quads, or {"error": message}}.
import canonize from 'rdf-canonize';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const inputs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = {};
for(const [name, nquads] of Object.entries(inputs)) {
  try {
    results[name] = await canonize.canonize(nquads, {
      algorithm: 'RDFC-1.0',
      inputFormat: 'application/n-quads',
      format: 'application/n-quads',
      maxWorkFactor: Infinity
    });
  } catch(error) {
    results[name] = {error: String(error && error.message || error)};
  }
}
process.stdout.write(JSON.stringify(results));
