// The peer benchmark (docs/performance.md, "Engine and peer"): bench_engine's 50 generated
// condition rules, translated to json-rules-engine, evaluated on the same events
// (bench_engine --dump-events FILE N writes them), one engine.run per event as a service
// would call it. A slawatch condition rule breaches when `when && !require`; each peer rule
// states that breach condition directly.
//   node peer.js EVENTS.ndjson   (NODE_PATH must reach json-rules-engine; scripts/bench sets it)
'use strict';
const fs = require('fs');
const { Engine } = require('json-rules-engine');

const currencies = ['KES', 'UGX', 'TZS', 'RWF', 'GHS', 'ZAR', 'USD', 'EUR'];
const ev = (path, operator, value) => ({ fact: 'event', path, operator, value });

// The five shapes of generated_rules() in bench/bench_engine.cpp, i = rule number, k = i / 5.
function breachConditions(i) {
  const k = Math.floor(i / 5);
  switch (i % 5) {
    case 0: // when type == collected, require double(amount) > k
      return [ev('$.type', 'equal', 'contribution.collected'), ev('$.attributes.amount', 'lessThanInclusive', k)];
    case 1: // when type.startsWith('contribution.'), require currency in lists.currencies
      return [ev('$.type', 'startsWith', 'contribution.'), ev('$.attributes.currency', 'notIn', currencies)];
    case 2: // when type == remitted, require has(report_id) && k >= 0
      return [ev('$.type', 'equal', 'contribution.remitted'), ev('$.attributes.report_id', 'absent', true)];
    case 3: // when type == data.accessed, require purpose != 'marketing' || k < 0
      return [ev('$.type', 'equal', 'data.accessed'), ev('$.purpose', 'equal', 'marketing')];
    default: // when transport.tls, require tls_version in [...] && k >= 0
      return [ev('$.transport.tls', 'equal', true), ev('$.transport.tls_version', 'notIn', ['TLSv1.2', 'TLSv1.3'])];
  }
}

async function main() {
  const events = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('startsWith', (a, b) => typeof a === 'string' && a.startsWith(b));
  engine.addOperator('absent', (a) => a === undefined);
  for (let i = 0; i < 50; i++) {
    engine.addRule({ name: `gen-${i}`, conditions: { all: breachConditions(i) },
                     event: { type: 'breach', params: { rule: `gen-${i}` } } });
  }
  let breaches = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const e of events) {
    const { events: fired } = await engine.run({ event: e });
    breaches += fired.length;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({
    engine: 'json-rules-engine', version: require('json-rules-engine/package.json').version,
    node: process.version, rules: 50, events: events.length, breaches, seconds,
    events_per_second: events.length / seconds, events_per_cpu_second: events.length / cpuSeconds,
  }));
}

main().catch((e) => { console.error(e); process.exit(1); });
