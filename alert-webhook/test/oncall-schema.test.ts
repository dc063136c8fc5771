import yaml from 'js-yaml';
import { z } from 'zod';
import { schedulesSchema } from '../src/oncall/schema';
import { fieldProblems } from '@vigil/service-kit';

/** The list as config.ts will hold it, so that messages carry the full key path. */
const section = z.strictObject({ schedules: schedulesSchema });

const rotation = {
  name: 'weekly',
  type: 'weekly',
  handoff: '09:00',
  time_zone: 'Europe/Berlin',
  start: '2024-03-18',
  participants: ['alice', 'bob'],
};

const refused = (schedules: unknown): string[] => {
  const result = section.safeParse({ schedules });
  if (result.success) throw new Error('schedules were accepted');
  return fieldProblems(result.error).map((p) => `${p.field}: ${p.message}`);
};

const withRotation = (fields: object) => [{ name: 'primary', rotations: [{ ...rotation, ...fields }] }];

describe('schedule schema', () => {
  it('reads a schedule from YAML', () => {
    const doc = yaml.load(`
schedules:
  - name: primary
    rotations:
      - name: weekly
        type: weekly
        handoff: "09:00"
        time_zone: europe/berlin
        start: 2024-03-18
        participants: [alice, bob]
    overrides:
      - user: dave
        from: 2024-03-31T01:00:00+01:00
        to: 2024-03-31T12:00:00+02:00
`);
    expect(section.parse(doc).schedules).toEqual([
      {
        name: 'primary',
        rotations: [
          {
            name: 'weekly',
            type: 'weekly',
            handoff: { hour: 9, minute: 0 },
            time_zone: 'Europe/Berlin',
            start: { year: 2024, month: 3, day: 18 },
            participants: ['alice', 'bob'],
          },
        ],
        overrides: [
          { user: 'dave', from: new Date('2024-03-31T00:00:00Z'), to: new Date('2024-03-31T10:00:00Z') },
        ],
      },
    ]);
  });

  it.each([
    [{ time_zone: 'Europe/Berln' }, 'schedules.0.rotations.0.time_zone: unknown time zone "Europe/Berln"'],
    [{ handoff: '9:00' }, 'schedules.0.rotations.0.handoff: expected a 24-hour time HH:MM'],
    [{ handoff: '24:00' }, 'schedules.0.rotations.0.handoff: expected a 24-hour time HH:MM'],
    [{ start: '2024-02-30' }, 'schedules.0.rotations.0.start: no such date "2024-02-30"'],
    [{ start: '18.03.2024' }, 'schedules.0.rotations.0.start: expected a date YYYY-MM-DD'],
    [{ start: 'x2024-03-18' }, 'schedules.0.rotations.0.start: expected a date YYYY-MM-DD'],
    [{ start: '2024-03-18x' }, 'schedules.0.rotations.0.start: expected a date YYYY-MM-DD'],
    [{ handoff: 'x09:00' }, 'schedules.0.rotations.0.handoff: expected a 24-hour time HH:MM'],
    [{ handoff: '09:00x' }, 'schedules.0.rotations.0.handoff: expected a 24-hour time HH:MM'],
    [{ type: 'monthly' }, 'schedules.0.rotations.0.type: '],
    [{ participants: [] }, 'schedules.0.rotations.0.participants: '],
    [{ participants: ['alice', ''] }, 'schedules.0.rotations.0.participants.1: '],
    [{ handof: '10:00' }, 'schedules.0.rotations.0.handof: unknown field'],
  ])('refuses rotation %j, naming the key', (fields, message) => {
    const problems = refused(withRotation(fields));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('refuses overrides without an offset or that end before they start', () => {
    expect(
      refused([
        {
          name: 'primary',
          rotations: [rotation],
          overrides: [
            { user: 'dave', from: '2024-05-01T09:00:00', to: '2024-05-02T09:00:00Z' },
            { user: 'dave', from: '2024-05-02T09:00:00Z', to: '2024-05-02T11:00:00+02:00' },
          ],
        },
      ]),
    ).toEqual([
      'schedules.0.overrides.0.from: expected an RFC 3339 time with an offset, e.g. 2024-03-31T09:00:00+02:00',
      'schedules.0.overrides.1.to: must be later than from',
    ]);
  });

  it('refuses a schedule without rotations and names used twice', () => {
    expect(refused([{ name: 'primary', rotations: [] }])).toEqual([
      'schedules.0.rotations: Too small: expected array to have >=1 items',
    ]);
    expect(
      refused([
        { name: 'primary', rotations: [rotation, rotation] },
        { name: 'primary', rotations: [rotation] },
      ]),
    ).toEqual([
      'schedules.0.rotations.1.name: duplicate rotation name "weekly"',
      'schedules.1.name: duplicate schedule name "primary"',
    ]);
  });

  it('reads a schedule without overrides as having none', () => {
    const parsed = section.parse({ schedules: [{ name: 'primary', rotations: [rotation] }] });
    expect(parsed.schedules[0]?.overrides).toEqual([]);
  });

  it('reports its own refusals as custom issues', () => {
    const codes = (schedules: unknown) => section.safeParse({ schedules }).error?.issues.map((i) => i.code);
    expect(codes(withRotation({ time_zone: 'Mars/Olympus' }))).toEqual(['custom']);
    expect(codes(withRotation({ start: '2024-02-30' }))).toEqual(['custom']);
    expect(codes([{ name: 'primary', rotations: [rotation, rotation] }])).toEqual(['custom']);
  });
});
