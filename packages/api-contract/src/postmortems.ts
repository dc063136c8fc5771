import { z } from 'zod';
import { id, prose } from './common';
import { timelineEntry } from './incidents';
import { components, named } from './registry';
import { timestamp } from './time';

/** What a postmortem holds at most: its body fits the receiver's 64 kB JSON limit with room to spare. */
export const POSTMORTEM_LIMITS = {
  text: 8_000,
  title: 300,
  actionItems: 50,
  timelineEntries: 200,
} as const;

export const ACTION_ITEM_STATUSES = ['open', 'done'] as const;

/** A calendar day, `2026-12-24`. */
const day = z.iso
  .date()
  .register(components, { description: 'a calendar day (YYYY-MM-DD)', example: '2026-12-24' });

export const actionItem = named(
  'ActionItem',
  'Something to do after the incident, owned by a Vigil user (the users of the configuration)',
  z.strictObject({
    title: prose(POSTMORTEM_LIMITS.title).min(1),
    owner: z
      .string()
      .nullable()
      .register(components, { description: 'a user name from the configuration, or null while unowned' }),
    status: z.enum(ACTION_ITEM_STATUSES),
    due_date: day.nullable(),
  }),
);
export type ActionItem = z.output<typeof actionItem>;

export const postmortem = named(
  'Postmortem',
  "An incident's postmortem: what happened, its impact and cause, the timeline entries that tell it, and what is to be done",
  z.strictObject({
    incident_id: id,
    summary: z.string(),
    impact: z.string(),
    root_cause: z.string(),
    timeline: z
      .array(timelineEntry)
      .register(components, { description: 'the selected entries of the incident timeline, oldest first' }),
    action_items: z.array(actionItem),
    created_at: timestamp,
    created_by: z.string(),
    updated_at: timestamp,
    updated_by: z.string(),
  }),
);
export type Postmortem = z.output<typeof postmortem>;

/** The whole postmortem, written at once (PUT): what is left out is empty. */
export const postmortemBody = z.strictObject({
  summary: prose(POSTMORTEM_LIMITS.text).default(''),
  impact: prose(POSTMORTEM_LIMITS.text).default(''),
  root_cause: prose(POSTMORTEM_LIMITS.text).default(''),
  timeline_entry_ids: z
    .array(id)
    .max(POSTMORTEM_LIMITS.timelineEntries)
    .default([])
    .register(components, { description: "ids of entries of this incident's timeline" }),
  action_items: z
    .array(
      actionItem.extend({
        owner: z.string().max(200).nullable().default(null),
        status: z.enum(ACTION_ITEM_STATUSES).default('open'),
        due_date: day.nullable().default(null),
      }),
    )
    .max(POSTMORTEM_LIMITS.actionItems)
    .default([]),
});
export type PostmortemBody = z.input<typeof postmortemBody>;
