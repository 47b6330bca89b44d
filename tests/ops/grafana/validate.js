// Validates Grafana dashboards against the JSON schema generated from @grafana/schema's
// Dashboard type, plus the conventions docs/operations.md promises (stable uid, schemaVersion
// 39, every query on the ${datasource} variable, unique panel ids).
// Usage: node validate.js MODULES_DIR SCHEMA.json DASHBOARD.json...
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, schemaFile, ...dashboards] = process.argv.slice(2);
const Ajv = require(path.join(modules, 'ajv'));
const addFormats = require(path.join(modules, 'ajv-formats'));

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));

function conventions(d) {
  const problems = [];
  if (d.schemaVersion !== 39) problems.push(`schemaVersion is ${d.schemaVersion}, expected 39`);
  if (!/^slawatch-[a-z-]+$/.test(d.uid || '')) problems.push(`uid '${d.uid}' is not slawatch-<name>`);
  if (!(d.templating?.list || []).some((v) => v.name === 'datasource' && v.type === 'datasource')) {
    problems.push('no datasource variable');
  }
  const ids = new Set();
  const walk = (panels) => {
    for (const p of panels || []) {
      if (ids.has(p.id)) problems.push(`panel id ${p.id} used twice`);
      ids.add(p.id);
      if (p.type === 'row') { walk(p.panels); continue; }
      if (!p.title) problems.push(`panel ${p.id} has no title`);
      if (!p.targets?.length) problems.push(`panel '${p.title}' has no query`);
      for (const t of [p.datasource, ...(p.targets || []).map((x) => x.datasource)]) {
        if (t?.uid !== '${datasource}') problems.push(`panel '${p.title}' does not use the \${datasource} variable`);
      }
      for (const t of p.targets || []) {
        if (!t.expr) problems.push(`panel '${p.title}' target ${t.refId} has no expr`);
      }
    }
  };
  walk(d.panels);
  return problems;
}

let failed = 0;
for (const file of dashboards) {
  const name = path.basename(file);
  let d;
  try {
    d = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message}`);
    failed++;
    continue;
  }
  const problems = validate(d) ? [] : validate.errors.map((e) => `schema: ${e.instancePath || '/'} ${e.message}` +
    (e.params?.additionalProperty ? ` ('${e.params.additionalProperty}')` : ''));
  problems.push(...conventions(d));
  if (problems.length) {
    failed++;
    console.log(`FAIL ${name}:\n  ` + problems.join('\n  '));
  } else {
    console.log(`ok   ${name} ('${d.title}', ${d.panels.length} panels)`);
  }
}
console.log(`${dashboards.length - failed} of ${dashboards.length} dashboards valid`);
process.exit(failed ? 1 : 0);
