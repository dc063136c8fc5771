import { integration } from '../integration';
import { pagerDutySchema, resolvePagerDuty } from './config';
import { createPagerDutyChannel } from './pagerduty';

export const pagerduty = integration({
  schema: pagerDutySchema,
  resolve: resolvePagerDuty,
  create: (name, settings) => createPagerDutyChannel(name, settings),
});
