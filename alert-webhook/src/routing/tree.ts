import { formatMatcher, matchesAll, type Labels, type Matcher } from './matchers';

/**
 * A correlation rule: a group that would open an incident joins the open incident of the same route whose
 * `by` label values are the same, opened within `window` (milliseconds).
 */
export interface CorrelationRule {
  by: string[];
  window: number;
}

/** What a route decides; on a child route, an unset field is taken from its parent. */
export interface RouteSettings {
  team?: string;
  channels?: string[];
  escalation?: string;
  /** The route's own: unlike the fields above, not inherited (each route says whether it correlates). */
  correlation?: CorrelationRule;
}

export interface RouteNode extends RouteSettings {
  matchers: Matcher[];
  /** After this route matched, keep trying its later siblings. */
  continue: boolean;
  routes: RouteNode[];
}

/** The root is the default route: it matches every alert and sets the team and channels others inherit. */
export interface RoutingTree extends RouteNode {
  team: string;
  channels: string[];
}

/**
 * The route an alert went to, with every inherited field resolved, so that it can be stored on an incident
 * as it was: later changes to the configuration do not rewrite history.
 */
export interface MatchedRoute {
  /** Child indexes from the root: [] is the default route, [1, 0] is routes[1].routes[0]. */
  path: number[];
  /** Alertmanager's route key: each level's matchers from the root, e.g. `{}/{severity="critical"}`. */
  key: string;
  team: string;
  channels: string[];
  escalation?: string;
  correlation?: CorrelationRule;
}

type Resolved = Omit<MatchedRoute, 'path' | 'key'>;

function inherit(parent: Resolved, node: RouteSettings): Resolved {
  return {
    team: node.team ?? parent.team,
    channels: node.channels ?? parent.channels,
    escalation: node.escalation ?? parent.escalation,
    correlation: node.correlation,
  };
}

function walk(
  node: RouteNode,
  labels: Labels,
  path: number[],
  key: string,
  parent: Resolved,
): MatchedRoute[] {
  if (!matchesAll(node.matchers, labels)) return [];
  const own = inherit(parent, node);
  const found: MatchedRoute[] = [];
  for (const [i, child] of node.routes.entries()) {
    const childKey = `${key}/{${child.matchers.map(formatMatcher).join(',')}}`;
    const matched = walk(child, labels, [...path, i], childKey, own);
    found.push(...matched);
    if (matched.length > 0 && !child.continue) break;
  }
  // As in Alertmanager, the deepest matching routes win; a route handles the alert itself only when none of
  // its children does.
  return found.length > 0 ? found : [{ path, key, ...own }];
}

/** The routes an alert with these labels goes to, in configuration order; never empty. */
export function route(tree: RoutingTree, labels: Labels): MatchedRoute[] {
  return walk(tree, labels, [], '{}', { team: tree.team, channels: tree.channels });
}
