import { z } from 'zod';
import { positiveDuration } from '@vigil/service-kit';
import { MatcherSyntaxError, parseMatchers, type Matcher } from './matchers';
import type { RouteNode, RoutingTree } from './tree';

/**
 * `matchers` as Alertmanager takes them: a list of strings, each holding one or more comma-separated
 * matchers, or a single such string. A bad one is reported at its own index.
 */
export const matchersField = z
  .union([z.string(), z.array(z.string())], { error: 'expected a matcher string or a list of them' })
  .transform((value, ctx) => {
    const texts = typeof value === 'string' ? [value] : value;
    const out: Matcher[] = [];
    for (const [i, text] of texts.entries()) {
      try {
        out.push(...parseMatchers(text));
      } catch (err) {
        // parseMatcher turns every failure into a MatcherSyntaxError naming the matcher.
        const message = (err as MatcherSyntaxError).message;
        ctx.addIssue({ code: 'custom', message, path: typeof value === 'string' ? [] : [i] });
      }
    }
    return out;
  });

const name = z.string().min(1);

/** `correlation: {by: [service], window: 30m}`: the route's own, not inherited by its child routes. */
const correlationSchema = z.strictObject({
  by: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a label name')).min(1),
  window: positiveDuration,
});

const routeSchema = z.strictObject({
  matchers: matchersField.default([]),
  continue: z.boolean().default(false),
  team: name.optional(),
  channels: z.array(name).optional(),
  escalation: name.optional(),
  correlation: correlationSchema.optional(),
  get routes(): z.ZodDefault<z.ZodArray<z.ZodType<RouteNode, unknown>>> {
    return z.array(routeSchema).default([]);
  },
});

/**
 * The `routing` section: the default route at the top, its child routes under `routes`. The default route
 * catches every alert, so it takes no matchers and no `continue`, and it must name the team and channels.
 */
export const routingSchema = routeSchema.transform((root, ctx): RoutingTree => {
  const { team, channels } = root;
  const problems: [keyof typeof root, string][] = [];
  if (root.matchers.length > 0) problems.push(['matchers', 'the default route matches every alert']);
  if (root.continue) problems.push(['continue', 'the default route has no siblings']);
  if (team === undefined) problems.push(['team', 'the default route must name a team']);
  if (channels === undefined) problems.push(['channels', 'the default route must list its channels']);
  for (const [key, message] of problems) ctx.addIssue({ code: 'custom', path: [key], message });
  // Each of these added an issue above, which fails the parse whatever is returned.
  if (team === undefined || channels === undefined) return z.NEVER;
  return { ...root, team, channels };
});
