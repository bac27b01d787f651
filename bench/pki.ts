// Time to create the full client chain (root CA -> intermediate CA -> leaf) for each key algorithm, and to
// re-issue only the leaf (what a renewal does). Prints figures; asserts nothing.
// Run: npm run bench:pki [-- --runs 20]
import { KEY_ALGORITHMS } from '../src/pki/algorithms.js';
import { createClientChain, issueClientLeaf } from '../src/pki/chain.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const options = {
  rootSubject: 'Litmus Edge Root CA',
  intermediateSubject: 'Litmus Edge Intermediate CA 1',
  leafSubject: 'aiomqttconnector',
  rootDays: 3650,
  intermediateDays: 1825,
  leafDays: 100,
};
const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1).padStart(7)} ms   p90 ${q(0.9).toFixed(1).padStart(7)} ms   min ${s[0]!.toFixed(1).padStart(7)} ms`;
};

console.log(`client PKI creation, ${RUNS} runs each (Node ${process.version}, WebCrypto via @peculiar/x509)`);
for (const algorithm of KEY_ALGORITHMS) {
  await createClientChain({ ...options, algorithm }); // warm-up
  const full: number[] = [];
  const leafOnly: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const chain = await createClientChain({ ...options, algorithm });
    full.push(performance.now() - t);
    t = performance.now();
    await issueClientLeaf(chain.intermediate, { ...options, algorithm });
    leafOnly.push(performance.now() - t);
  }
  console.log(`${algorithm.padEnd(9)} full chain: ${stats(full)}`);
  console.log(`${''.padEnd(9)} leaf only:  ${stats(leafOnly)}`);
}
