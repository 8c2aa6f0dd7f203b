// Differential fuzzing of our core's response parser against Node's llhttp.
//
//   npm run fuzz -- --iterations 200000 --seed 7
//
// Each case is a valid response (seeded) mutated 0-3 times; it runs through
// our core as one write and again in random splits (which must agree), and
// through llhttp in strict mode. A disagreement must be explained by a known
// class (vectors/http/llhttp-differences.json); crashes (traps, exceptions)
// and unexplained disagreements are printed with their seed and input.
import { createCore, runExchange, split, randomSizes } from '../helpers/raw-core.mjs';
import { isDeepStrictEqual } from 'node:util';
import { llhttpParse } from './llhttp.mjs';
import { classify } from './classify.mjs';
import { Rand, fuzzCase } from './generate.mjs';

/** Our limits at their maxima, so llhttp and we are compared on syntax, not size. */
export const FUZZ_LIMITS = {
  statusLineBytes: 8192, headerBytes: 65536, headerCount: 1000, headerLineBytes: 65536, chunkLineBytes: 8192, trailerBytes: 65536,
};

/** Runs `iterations` cases from `seed`; returns counts and the first few problems. */
export function runFuzz({ iterations, seed, keep = 10 }) {
  let core = createCore(FUZZ_LIMITS);
  const rand = new Rand(seed);
  const stats = { iterations, seed, agree: 0, explained: {}, unexplained: 0, crashes: 0, splitMismatches: 0, problems: [] };
  const problem = (kind, c, extra) => {
    if (stats.problems.length < keep) stats.problems.push({ kind, input: c.input, method: c.method, mutations: c.mutations, ...extra });
  };
  for (let i = 0; i < iterations; i++) {
    const c = fuzzCase(rand);
    const input = Buffer.from(c.input, 'latin1');
    const requests = [{ method: c.method }];
    let ours;
    try {
      ours = runExchange(core, { requests, pieces: [input] });
      const pieces = runExchange(core, { requests, pieces: split(input, randomSizes(seed + i, 32, 9)) });
      if (!isDeepStrictEqual(ours, pieces)) {
        stats.splitMismatches++;
        problem('split', c, { one: ours, pieces });
      }
    } catch (err) {
      stats.crashes++;
      problem('crash', c, { error: String(err?.stack ?? err) });
      core = createCore(FUZZ_LIMITS); // a trapped instance is discarded, as a host would
      continue;
    }
    const verdict = classify(input, c.method, ours, llhttpParse(input, c.method));
    if (verdict.agree) stats.agree++;
    else if (verdict.explained) for (const id of verdict.explained) stats.explained[id] = (stats.explained[id] ?? 0) + 1;
    else {
      stats.unexplained++;
      problem('unexplained', c, { what: verdict.what, ours });
    }
  }
  return stats;
}

function args(argv) {
  const out = { iterations: 20000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--iterations') out.iterations = Number(argv[++i]);
    else if (argv[i] === '--seed') out.seed = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --iterations N --seed S)`);
  }
  if (!(out.iterations > 0) || !Number.isInteger(out.seed)) throw new Error('--iterations must be > 0 and --seed an integer');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const opts = args(process.argv.slice(2));
  const started = Date.now();
  const stats = runFuzz({ ...opts, keep: 20 });
  const { problems, ...counts } = stats;
  console.log(JSON.stringify({ ...counts, ms: Date.now() - started }, null, 2));
  for (const p of problems) console.log(JSON.stringify(p));
  process.exit(stats.crashes || stats.unexplained || stats.splitMismatches ? 1 : 0);
}
