import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  applyTransition,
  findOperation,
  hasRole,
  incident,
  INCIDENT_STATUSES,
  OPERATIONS,
  openApiDocument,
  parseRfc3339,
  TRANSITIONS,
} from '../src';

const FILE = join(__dirname, '../../../docs/api/openapi.json');

describe('the OpenAPI document', () => {
  it('is checked in as generated (else: run npm run openapi:generate and commit the result)', () => {
    // The generator formats the JSON with prettier; what counts is the content.
    expect(JSON.parse(readFileSync(FILE, 'utf8'))).toEqual(openApiDocument());
  });

  it('has every operation once, and every schema in it is valid JSON Schema 2020-12', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { schemas: Record<string, object> };
    };
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ids.sort()).toEqual(OPERATIONS.map((o) => o.id).sort());
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi');
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.compile({ $ref: `openapi#/components/schemas/${name}` })).not.toThrow();
    }
  });

  it('refuses unknown fields in answers, as the zod schemas do', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(openApiDocument(), 'openapi');
    const caller = ajv.compile({ $ref: 'openapi#/components/schemas/Caller' });
    expect(caller({ name: 'a', role: 'viewer' })).toBe(true);
    expect(caller({ name: 'a', role: 'viewer', extra: 1 })).toBe(false);
    expect(incident.safeParse({ id: 1, extra: 1 }).success).toBe(false);
  });
});

describe('the incident state machine', () => {
  it('moves as TRANSITIONS says; asking for the current status changes nothing', () => {
    for (const status of INCIDENT_STATUSES) {
      for (const [kind, rule] of Object.entries(TRANSITIONS) as [
        keyof typeof TRANSITIONS,
        (typeof TRANSITIONS)['resolve'],
      ][]) {
        const step = applyTransition(status, kind);
        if (status === rule.to) expect(step).toEqual({ outcome: 'unchanged' });
        else if (rule.from.includes(status)) expect(step).toEqual({ outcome: 'changed', status: rule.to });
        else expect(step).toEqual({ outcome: 'invalid' });
      }
    }
    expect(applyTransition('resolved', 'acknowledge')).toEqual({ outcome: 'invalid' });
  });
});

describe('roles and operations', () => {
  it('ranks viewer < responder < admin', () => {
    expect(hasRole('admin', 'responder')).toBe(true);
    expect(hasRole('responder', 'admin')).toBe(false);
    expect(hasRole(undefined, 'viewer')).toBe(false);
  });

  it('finds the operation of a concrete path', () => {
    expect(findOperation('GET', '/api/v1/incidents/42')?.id).toBe('getIncident');
    expect(findOperation('GET', '/api/v1/incidents.csv')?.id).toBe('exportIncidents');
    expect(findOperation('POST', '/api/v1/incidents/42/notes')?.id).toBe('addIncidentNote');
    expect(findOperation('PUT', '/api/v1/incidents/42')).toBeUndefined();
  });

  it('reads RFC 3339 times only', () => {
    expect(parseRfc3339('2026-11-22T10:00:00+01:00')).toBe(Date.parse('2026-11-22T09:00:00Z'));
    expect(parseRfc3339('1')).toBeUndefined();
  });
});

describe('the README', () => {
  it("lists every operation in alert-webhook's API table", () => {
    const readme = readFileSync(join(__dirname, '../../../alert-webhook/README.md'), 'utf8');
    const missing = OPERATIONS.map((op) => `\`${op.method.toUpperCase()} ${op.path}\``).filter(
      (row) => !readme.includes(row),
    );
    expect(missing).toEqual([]);
  });
});
